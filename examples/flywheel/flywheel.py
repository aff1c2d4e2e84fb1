"""The data flywheel on a running plugstack stack, through the published clients:
batch-generate → score → filter → dataset → DPO → serve → eval.

1. batch-generate: the model writes one question per topic, as one /v1/batches job (openai);
2. score + filter: synthetic data generation samples k answers to each question, a reward model
   scores them, top_k keeps the best, and the best/worst pairs are saved as a preference dataset
   (a job with progress; llama-stack-client has no route for jobs, so httpx polls it);
3. the dataset is read back (llama-stack-client);
4. DPO on it, a job of post-training (llama-stack-client), whose model the stack then serves;
5. the new model answers over /v1/chat/completions (openai);
6. eval: one benchmark, run for the base model and the new one (llama-stack-client).

Run it against `plugstack run starter` (defaults fit it):

    python examples/flywheel/flywheel.py --base-url http://127.0.0.1:8321

It prints a progress bar per step and, at the end, a JSON summary (``--json PATH`` saves it).
On 2 CPU cores the defaults take a few minutes; DPO takes ``--dpo-steps`` tiny LoRA steps.
"""

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from llama_stack_client import LlamaStackClient
from openai import OpenAI
from tqdm import tqdm

TOPICS = ["rivers", "bread", "the moon", "bicycles", "tea", "winter"]
EVAL_ROWS = [
    {"input_query": "What is the capital of France? Answer with one word.", "expected_answer": "Paris"},
    {"input_query": "What colour is the sky on a clear day? Answer with one word.", "expected_answer": "blue"},
    {"input_query": "How many legs does a cat have? Answer with a number.", "expected_answer": "4"},
]
FINISHED = ("completed", "failed", "cancelled", "expired")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8321", help="the stack's root URL")
    parser.add_argument("--model", default="HuggingFaceTB/SmolLM2-135M-Instruct", help="the model to improve")
    parser.add_argument("--reward-model", default="judge", help="a reward model of /v1alpha/reward-scoring/models")
    parser.add_argument("--topics", type=int, default=4, help=f"questions to generate (at most {len(TOPICS)})")
    parser.add_argument("--k", type=int, default=3, help="answers sampled per question")
    parser.add_argument("--max-tokens", type=int, default=32, help="tokens per generated question or answer")
    parser.add_argument("--dpo-steps", type=int, default=2, help="DPO steps (LoRA, batch 2)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds any one step may take")
    parser.add_argument("--json", help="also write the summary to this file")
    return parser.parse_args(argv)


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float, every: float = 0.5) -> Any:
    """``fetch()`` until ``done`` says so; raises after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done(state := fetch()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still not done after {timeout} s: {state}")
        time.sleep(every)
    return state


def advance(bar: tqdm, value: int) -> None:
    bar.update(max(0, value - bar.n))


def batch_generate_questions(oai: OpenAI, args: argparse.Namespace) -> list[str]:
    """Step 1: one question per topic, asked as a /v1/batches job."""
    topics = TOPICS[: args.topics]
    lines = [
        {
            "custom_id": f"topic-{index}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": args.model,
                "messages": [{"role": "user", "content": f"Write one short question about {topic}."}],
                "max_tokens": args.max_tokens,
                "temperature": 0,
            },
        }
        for index, topic in enumerate(topics)
    ]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()
    file = oai.files.create(file=("questions.jsonl", content), purpose="batch")
    batch = oai.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    with tqdm(total=len(lines), desc="1/6 batch: questions", unit="req") as bar:

        def fetch() -> Any:
            current = oai.batches.retrieve(batch.id)
            counts = current.request_counts
            advance(bar, (counts.completed + counts.failed) if counts else 0)
            return current

        batch = poll(fetch, lambda b: b.status in FINISHED, args.timeout)
    if batch.status != "completed" or batch.output_file_id is None:
        raise RuntimeError(f"the question batch ended {batch.status}: {batch.errors}")
    answers = {}
    for raw in oai.files.content(batch.output_file_id).text.splitlines():
        line = json.loads(raw)
        answers[line["custom_id"]] = line["response"]["body"]["choices"][0]["message"]["content"].strip()
    # A question the model left empty falls back to a plain one about its topic.
    return [answers.get(f"topic-{i}") or f"Tell me about {topic}." for i, topic in enumerate(topics)]


def synthesize_preferences(http: httpx.Client, questions: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Step 2: k answers per question, scored and filtered; best vs worst saved for DPO."""
    dataset_id = f"flywheel-prefs-{uuid.uuid4().hex[:8]}"
    body = {
        "dialogs": [{"role": "user", "content": question} for question in questions],
        "filtering_function": "top_k",
        "model": args.model,
        "reward_scoring": {"model": args.reward_model},
        "k": args.k,
        "sampling_params": {
            "strategy": {"type": "top_p", "temperature": 0.9, "top_p": 0.95},
            "max_tokens": args.max_tokens,
        },
        "filtering": {"top_k": 1},
        "dataset_id": dataset_id,
        "save_as": "preference",
    }
    created = http.post("/v1/synthetic-data-generation/jobs", json=body)
    created.raise_for_status()
    job_id = created.json()["job_id"]
    with tqdm(total=len(questions), desc="2/6 generate+score+filter", unit="dialog") as bar:

        def fetch() -> dict[str, Any]:
            job = http.get(f"/v1/synthetic-data-generation/jobs/{job_id}").json()
            advance(bar, (job.get("progress") or {}).get("dialogs_done", 0))
            return job

        job = poll(fetch, lambda j: j["status"] in FINISHED, args.timeout)
    if job["status"] != "completed":
        raise RuntimeError(f"synthetic data job {job_id} ended {job['status']}: {job.get('error')}")
    result = http.get(f"/v1/synthetic-data-generation/jobs/{job_id}/result").json()
    return {"dataset_id": dataset_id, "statistics": result["statistics"]}


def train_dpo(client: LlamaStackClient, dataset_id: str, args: argparse.Namespace) -> dict[str, Any]:
    """Step 4: DPO (LoRA) on the preference dataset; waits until the stack serves the result."""
    job_uuid = f"flywheel-dpo-{uuid.uuid4().hex[:8]}"
    client.alpha.post_training.preference_optimize(
        job_uuid=job_uuid,
        finetuned_model=args.model,
        algorithm_config={"beta": 0.1, "loss_type": "sigmoid"},
        training_config={
            "n_epochs": 1,
            "max_steps_per_epoch": args.dpo_steps,
            "gradient_accumulation_steps": 1,
            "dtype": "fp32",
            "data_config": {"dataset_id": dataset_id, "batch_size": 2, "shuffle": True, "data_format": "dialog"},
            "optimizer_config": {"optimizer_type": "adamw", "lr": 1e-4, "weight_decay": 0.0, "num_warmup_steps": 0},
        },
        hyperparam_search_config={},
        logger_config={},
    )
    with tqdm(total=args.dpo_steps, desc="4/6 DPO", unit="step") as bar:

        def fetch() -> dict[str, Any]:
            status = client.alpha.post_training.job.status(job_uuid=job_uuid).to_dict()
            progress = status.get("progress") or {}
            bar.total = progress.get("total_steps") or bar.total
            advance(bar, progress.get("step", 0))
            return status

        def done(status: dict[str, Any]) -> bool:
            served = status.get("served_model") or {}
            finished = status["status"] in ("failed", "cancelled")
            return finished or (status["status"] == "completed" and served.get("state") not in (None, "registering"))

        status = poll(fetch, done, args.timeout)
    served = status.get("served_model") or {}
    if status["status"] != "completed" or served.get("state") != "served":
        raise RuntimeError(f"DPO job {job_uuid} ended {status['status']}: {status.get('error') or served}")
    return {"job_uuid": job_uuid, "model_id": served["model_id"], "steps": status["progress"]["step"]}


def evaluate(client: LlamaStackClient, models: list[str], args: argparse.Namespace) -> dict[str, float]:
    """Step 6: one small benchmark, run for each model; the subset_of accuracy of each."""
    suffix = uuid.uuid4().hex[:8]
    dataset = client.datasets.register(
        purpose="eval/question-answer", source={"type": "rows", "rows": EVAL_ROWS}, dataset_id=f"flywheel-qa-{suffix}"
    )
    benchmark_id = f"flywheel-bench-{suffix}"
    client.benchmarks.register(
        benchmark_id=benchmark_id, dataset_id=dataset.identifier, scoring_functions=["basic::subset_of"]
    )
    accuracy = {}
    for model in tqdm(models, desc="6/6 eval", unit="model"):
        config = {
            "eval_candidate": {
                "type": "model",
                "model": model,
                "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": 16},
            }
        }
        job = client.alpha.eval.run_eval(benchmark_id=benchmark_id, benchmark_config=config)
        poll(
            lambda job=job: client.alpha.eval.jobs.status(job_id=job.job_id, benchmark_id=benchmark_id),
            lambda status: status.status in FINISHED,
            args.timeout,
        )
        result = client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id=benchmark_id)
        accuracy[model] = result.scores["basic::subset_of"].aggregated_results["accuracy"]["accuracy"]
    return accuracy


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    started = time.perf_counter()
    oai = OpenAI(base_url=f"{args.base_url}/v1", api_key="none", max_retries=0, timeout=args.timeout)
    llama = LlamaStackClient(base_url=args.base_url, max_retries=0, timeout=args.timeout)
    with httpx.Client(base_url=args.base_url, timeout=args.timeout) as http:
        questions = batch_generate_questions(oai, args)
        synthetic = synthesize_preferences(http, questions, args)
    rows = llama.datasets.iterrows(dataset_id=synthetic["dataset_id"]).data
    tqdm.write(f"3/6 dataset {synthetic['dataset_id']!r}: {len(rows)} preference pairs")
    if not rows:
        raise RuntimeError("no preference pair was saved (every question's answers were the same)")
    dpo = train_dpo(llama, synthetic["dataset_id"], args)
    reply = oai.chat.completions.create(
        model=dpo["model_id"], messages=[{"role": "user", "content": questions[0]}], max_tokens=args.max_tokens
    )
    tqdm.write(f"5/6 {dpo['model_id']} answers: {reply.choices[0].message.content!r}")
    accuracy = evaluate(llama, [args.model, dpo["model_id"]], args)
    summary = {
        "questions": questions,
        "synthetic": synthetic,
        "preference_pairs": len(rows),
        "dpo": dpo,
        "served_reply": reply.choices[0].message.content,
        "eval_accuracy": accuracy,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)
    return summary


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        print(f"flywheel: {exc}", file=sys.stderr)
        sys.exit(1)
