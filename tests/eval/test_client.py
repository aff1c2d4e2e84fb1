"""llama-stack-client 0.3.5 against the real starter server: scoring, benchmarks and eval,
with the embedded SmolLM2 as candidate and judge (a few tokens each, to stay fast)."""

import base64
import csv
import io
import json
import time

import httpx
import llama_stack_client
import pytest
from llama_stack_client import LlamaStackClient

from tests.eval.conftest import CHAT_MODEL, candidate

QA_ROWS = [
    {"question": "What is 2 + 2? Reply with the number only.", "answer": "4"},
    {"question": "What is the capital of France? One word.", "answer": "Paris"},
    {"question": "Say the word yes.", "answer": "yes"},
]
JUDGE_PARAMS = {
    "type": "llm_as_judge",
    "judge_model": CHAT_MODEL,
    "prompt_template": "Question: {input_query}\nAnswer: {generated_answer}\nIs the answer correct? Reply yes or no.",
    "judge_score_regexes": [r"(?s)(\S.*)"],  # the whole reply: a category per distinct reply
    "aggregation_functions": ["categorical_count"],
}


def wait_finished(http: httpx.Client, benchmark_id: str, job_id: str, timeout: float = 240) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = http.get(f"/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}").json()
        if body["status"] in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


@pytest.fixture(scope="module")
def qa_dataset(client: LlamaStackClient) -> str:
    client.datasets.register(
        purpose="eval/question-answer", source={"type": "rows", "rows": QA_ROWS}, dataset_id="qa-small"
    )
    return "qa-small"


@pytest.fixture(scope="module")
def benchmark(client: LlamaStackClient, qa_dataset: str) -> str:
    client.benchmarks.register(
        benchmark_id="qa-bench", dataset_id=qa_dataset, scoring_functions=["basic::subset_of", "basic::equality"]
    )
    return "qa-bench"


def test_builtin_functions_are_listed(client: LlamaStackClient) -> None:
    functions = {fn.identifier: fn for fn in client.scoring_functions.list()}
    assert {
        "basic::equality",
        "basic::subset_of",
        "basic::regex_parser_multiple_choice_answer",
        "basic::regex_parser_math_response",
        "llm-as-judge::base",
    } <= set(functions)
    assert functions["basic::equality"].provider_id == "basic"
    assert functions["llm-as-judge::base"].provider_id == "llm-as-judge"
    assert functions["basic::regex_parser_math_response"].params.type == "regex_parser"


def test_register_functions_routes_them_to_their_provider(client: LlamaStackClient) -> None:
    client.scoring_functions.register(
        scoring_fn_id="smol-judge", description="SmolLM2 as judge", return_type={"type": "string"}, params=JUDGE_PARAMS
    )
    client.scoring_functions.register(
        scoring_fn_id="exact",
        description="equality under another name",
        return_type={"type": "number"},
        provider_scoring_fn_id="basic::equality",
    )
    judge = client.scoring_functions.retrieve("smol-judge")
    assert judge.provider_id == "llm-as-judge" and judge.params.judge_model == CHAT_MODEL
    assert client.scoring_functions.retrieve("exact").provider_id == "basic"
    assert {"smol-judge", "exact"} <= {fn.identifier for fn in client.scoring_functions.list()}


def test_score_rows_with_basic_and_judge(client: LlamaStackClient) -> None:
    rows = [
        {"input_query": "2 + 2?", "expected_answer": "4", "generated_answer": "The answer is \\boxed{4}"},
        {"input_query": "Capital of France?", "expected_answer": "Paris", "generated_answer": "Paris"},
    ]
    response = client.scoring.score(
        input_rows=rows,
        scoring_functions={"exact": None, "basic::regex_parser_math_response": None, "smol-judge": None},
    )
    assert [row["score"] for row in response.results["exact"].score_rows] == [0.0, 1.0]
    assert response.results["exact"].aggregated_results == {"accuracy": {"accuracy": 0.5, "num_correct": 1.0,
                                                                         "num_total": 2}}  # fmt: skip
    math_rows = response.results["basic::regex_parser_math_response"].score_rows
    assert math_rows[0]["score"] == 1.0
    judged = response.results["smol-judge"]
    assert len(judged.score_rows) == 2
    assert all(row["judge_feedback"] and row["score"] == row["judge_feedback"].strip() for row in judged.score_rows)
    assert set(judged.aggregated_results) == {"categorical_count"}
    assert sum(judged.aggregated_results["categorical_count"]["categorical_count"].values()) == 2


def test_judge_reply_without_a_score_is_null(client: LlamaStackClient) -> None:
    never = {**JUDGE_PARAMS, "judge_score_regexes": [r"(?!)"], "aggregation_functions": ["average"]}
    row = {"input_query": "2 + 2?", "expected_answer": "4", "generated_answer": "4"}
    result = client.scoring.score(input_rows=[row], scoring_functions={"llm-as-judge::base": never})
    judged = result.results["llm-as-judge::base"]
    assert judged.score_rows[0]["score"] is None and judged.score_rows[0]["judge_feedback"]
    assert judged.aggregated_results == {"average": {"average": None}}


def test_score_batch_saves_a_dataset_of_scored_rows(client: LlamaStackClient) -> None:
    rows = [{**row, "generated_answer": f"I think {row['answer']}"} for row in QA_ROWS]
    client.datasets.register(purpose="eval/question-answer", source={"type": "rows", "rows": rows}, dataset_id="qa-gen")
    response = client.scoring.score_batch(
        dataset_id="qa-gen", scoring_functions={"basic::subset_of": None}, save_results_dataset=True
    )
    assert response.results["basic::subset_of"].aggregated_results["accuracy"]["accuracy"] == 1.0
    assert response.dataset_id and response.dataset_id != "qa-gen"
    saved = client.datasets.iterrows(dataset_id=response.dataset_id).data
    assert [row["basic::subset_of"]["score"] for row in saved] == [1.0, 1.0, 1.0]
    assert saved[0]["question"] == QA_ROWS[0]["question"]


def test_benchmarks_register_list_retrieve(client: LlamaStackClient, benchmark: str, qa_dataset: str) -> None:
    retrieved = client.benchmarks.retrieve(benchmark)
    assert retrieved.dataset_id == qa_dataset and retrieved.provider_id == "meta-reference"
    assert retrieved.scoring_functions == ["basic::subset_of", "basic::equality"]
    assert benchmark in {item.identifier for item in client.benchmarks.list()}


def test_evaluate_rows_in_every_row_naming(client: LlamaStackClient, benchmark: str) -> None:
    messages = [{"role": "user", "content": "What is 3 + 3? Reply with the number only."}]
    rows = [
        {"input_query": "What is 2 + 2? Reply with the number only.", "expected_answer": "4"},
        {"chat_completion_input": json.dumps(messages), "expected_answer": "6"},
        {"messages": messages, "answer": "6"},
        {"question": "Say the word yes.", "answer": "yes"},
    ]
    response = client.alpha.eval.evaluate_rows(
        benchmark_id=benchmark,
        input_rows=rows,
        scoring_functions=["basic::subset_of", "smol-judge"],
        benchmark_config={"eval_candidate": candidate(), "scoring_params": {}},
    )
    assert len(response.generations) == 4
    assert all(isinstance(g["generated_answer"], str) and g["generated_answer"] for g in response.generations)
    assert set(response.scores) == {"basic::subset_of", "smol-judge"}
    assert len(response.scores["basic::subset_of"].score_rows) == 4
    assert response.scores["basic::subset_of"].aggregated_results["accuracy"]["num_total"] == 4


def test_run_eval_job_status_and_result(client: LlamaStackClient, http: httpx.Client, benchmark: str) -> None:
    config = {"eval_candidate": candidate(), "scoring_params": {"basic::subset_of": {"type": "basic",
              "aggregation_functions": ["accuracy", "average"]}}, "num_examples": 2}  # fmt: skip
    job = client.alpha.eval.run_eval(benchmark_id=benchmark, benchmark_config=config)
    assert job.status in ("scheduled", "in_progress", "completed")
    finished = wait_finished(http, benchmark, job.job_id)
    assert finished["status"] == "completed", finished
    assert finished["progress"] == {"rows_done": 2, "rows_total": 2, "phase": "scoring"}
    assert client.alpha.eval.jobs.status(job_id=job.job_id, benchmark_id=benchmark).status == "completed"
    result = client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id=benchmark)
    assert len(result.generations) == 2
    subset = result.scores["basic::subset_of"].aggregated_results  # one entry per requested function
    assert set(subset) == {"accuracy", "average"} and set(subset["average"]) == {"average"}
    assert subset["accuracy"]["num_total"] == 2 and isinstance(subset["accuracy"]["num_correct"], float)
    assert set(result.scores["basic::equality"].aggregated_results) == {"accuracy"}  # its default
    assert result.scores["basic::equality"].aggregated_results["accuracy"]["num_total"] == 2


def test_llama_stack_eval_data_from_registration_to_a_finished_eval(
    client: LlamaStackClient, http: httpx.Client
) -> None:
    """Llama Stack's own eval columns register as eval/messages-answer, as a CSV through a data: URI
    and as rows, and evaluate to the end."""
    asked = [(QA_ROWS[0]["question"], "4"), (QA_ROWS[2]["question"], "yes")]
    rows = [{"input_query": question, "generated_answer": "unknown", "expected_answer": answer,
             "chat_completion_input": json.dumps([{"role": "user", "content": question}])}
            for question, answer in asked]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    sources = {
        "upstream-csv": {
            "type": "uri",
            "uri": "data:text/csv;base64," + base64.b64encode(text.getvalue().encode()).decode(),
        },
        "upstream-rows": {"type": "rows", "rows": [{"input_query": q, "expected_answer": a} for q, a in asked]},
    }
    for dataset_id, source in sources.items():
        client.datasets.register(purpose="eval/messages-answer", source=source, dataset_id=dataset_id)  # type: ignore[arg-type]
        bench = f"{dataset_id}-bench"
        client.benchmarks.register(benchmark_id=bench, dataset_id=dataset_id, scoring_functions=["basic::subset_of"])
        job = client.alpha.eval.run_eval(benchmark_id=bench, benchmark_config={"eval_candidate": candidate()})
        finished = wait_finished(http, bench, job.job_id)
        assert finished["status"] == "completed", finished
        result = client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id=bench)
        assert len(result.generations) == 2 and all(g["generated_answer"] != "unknown" for g in result.generations)
        assert result.scores["basic::subset_of"].aggregated_results["accuracy"]["num_total"] == 2


def test_rows_that_register_but_do_not_serve_fail_the_eval_naming_row_and_column(
    client: LlamaStackClient, http: httpx.Client
) -> None:
    rows = [{"chat_completion_input": "[]", "expected_answer": "4"}]
    client.datasets.register(
        purpose="eval/messages-answer", source={"type": "rows", "rows": rows}, dataset_id="no-chat"
    )
    client.benchmarks.register(
        benchmark_id="no-chat-bench", dataset_id="no-chat", scoring_functions=["basic::equality"]
    )
    job = client.alpha.eval.run_eval(benchmark_id="no-chat-bench", benchmark_config={"eval_candidate": candidate()})
    finished = wait_finished(http, "no-chat-bench", job.job_id)
    assert finished["status"] == "failed"
    assert "row 0: column 'chat_completion_input' holds no messages" in str(finished["error"])


def test_cancel_a_running_job(client: LlamaStackClient, http: httpx.Client, qa_dataset: str) -> None:
    client.datasets.register(
        purpose="eval/question-answer", source={"type": "rows", "rows": QA_ROWS * 10}, dataset_id="qa-30"
    )
    client.benchmarks.register(benchmark_id="qa-30-bench", dataset_id="qa-30", scoring_functions=["basic::subset_of"])
    job = client.alpha.eval.run_eval(benchmark_id="qa-30-bench", benchmark_config={"eval_candidate": candidate(64)})
    client.alpha.eval.jobs.cancel(job_id=job.job_id, benchmark_id="qa-30-bench")
    assert client.alpha.eval.jobs.status(job_id=job.job_id, benchmark_id="qa-30-bench").status == "cancelled"
    with pytest.raises(llama_stack_client.ConflictError, match="is cancelled"):
        client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id="qa-30-bench")
    # the server is not left generating for the cancelled job: a new request is answered at once
    started = time.monotonic()
    http.post("/v1/chat/completions", json={"model": CHAT_MODEL, "messages": [{"role": "user", "content": "hi"}],
              "max_tokens": 1}).raise_for_status()  # fmt: skip
    assert time.monotonic() - started < 30


# -- error paths ----------------------------------------------------------------------------


def test_unknown_references_are_404s_naming_them(client: LlamaStackClient, benchmark: str, qa_dataset: str) -> None:
    with pytest.raises(llama_stack_client.NotFoundError, match="scoring_function 'no-such-fn' not found"):
        client.scoring.score(
            input_rows=[{"answer": "a", "generated_answer": "a"}], scoring_functions={"no-such-fn": None}
        )
    with pytest.raises(llama_stack_client.NotFoundError, match="benchmark 'no-such-bench' not found"):
        client.alpha.eval.run_eval(benchmark_id="no-such-bench", benchmark_config={"eval_candidate": candidate()})
    with pytest.raises(llama_stack_client.NotFoundError, match="dataset 'no-such-data' not found"):
        client.benchmarks.register(benchmark_id="b", dataset_id="no-such-data", scoring_functions=["basic::equality"])
    with pytest.raises(llama_stack_client.NotFoundError, match="scoring_function 'no-such-fn' not found"):
        client.benchmarks.register(benchmark_id="b", dataset_id=qa_dataset, scoring_functions=["no-such-fn"])
    with pytest.raises(llama_stack_client.NotFoundError, match="dataset 'no-such-data' not found"):
        client.scoring.score_batch(dataset_id="no-such-data", scoring_functions={"basic::equality": None},
                                   save_results_dataset=False)  # fmt: skip
    unknown_model = {**candidate(), "model": "no-such-model"}
    with pytest.raises(llama_stack_client.NotFoundError, match="model 'no-such-model' not found"):
        client.alpha.eval.run_eval(benchmark_id=benchmark, benchmark_config={"eval_candidate": unknown_model})
    judge = {**JUDGE_PARAMS, "judge_model": "no-such-judge"}
    with pytest.raises(llama_stack_client.NotFoundError, match="model 'no-such-judge' not found"):
        client.scoring.score(input_rows=[{"input_query": "q", "generated_answer": "a"}],
                             scoring_functions={"llm-as-judge::base": judge})  # fmt: skip
    with pytest.raises(llama_stack_client.NotFoundError, match="eval job 'no-such-job' not found"):
        client.alpha.eval.jobs.status(job_id="no-such-job", benchmark_id=benchmark)
    assert "b" not in {item.identifier for item in client.benchmarks.list()}


def test_rows_missing_columns_are_400s_naming_them(client: LlamaStackClient, benchmark: str) -> None:
    with pytest.raises(llama_stack_client.BadRequestError, match="row 1 has no 'generated_answer' column"):
        client.scoring.score(
            input_rows=[{"answer": "a", "generated_answer": "a"}, {"answer": "b"}],
            scoring_functions={"basic::equality": None},
        )
    with pytest.raises(llama_stack_client.BadRequestError, match="row 0 has no 'input_query' column"):
        client.alpha.eval.evaluate_rows(
            benchmark_id=benchmark,
            input_rows=[{"answer": "4"}],
            scoring_functions=["basic::equality"],
            benchmark_config={"eval_candidate": candidate()},
        )


def test_an_agent_candidate_runs_to_completion(client: LlamaStackClient, http: httpx.Client, benchmark: str) -> None:
    """Each row is a turn of a throwaway agent (starter serves agents), in the same job machinery."""
    agent = {
        "type": "agent",
        "config": {
            "model": CHAT_MODEL,
            "instructions": "Answer with one number.",
            "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": 8},
        },
    }
    job = client.alpha.eval.run_eval(
        benchmark_id=benchmark, benchmark_config={"eval_candidate": agent, "num_examples": 2}
    )
    finished = wait_finished(http, benchmark, job.job_id)
    assert finished["status"] == "completed", finished
    result = client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id=benchmark)
    assert len(result.generations) == 2 and all(isinstance(g["generated_answer"], str) for g in result.generations)
    assert result.scores["basic::equality"].aggregated_results["accuracy"]["num_total"] == 2
    assert not client.alpha.agents.list().data  # the throwaway agent is gone


def test_a_malformed_agent_candidate_is_a_400_naming_the_field(client: LlamaStackClient, benchmark: str) -> None:
    agent = {"type": "agent", "config": {"instructions": "be helpful"}}
    with pytest.raises(llama_stack_client.BadRequestError, match=r"eval_candidate\.config: model"):
        client.alpha.eval.run_eval(benchmark_id=benchmark, benchmark_config={"eval_candidate": agent})
