"""/v1alpha/eval/benchmarks: the benchmark routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.eval.models import Benchmark, ListBenchmarksResponse, RegisterBenchmarkRequest
from plugstack.apis.names import Api
from plugstack.registry.resources import ResourceKind


def _build(request: RegisterBenchmarkRequest, provider_id: str) -> Benchmark:
    return Benchmark(
        identifier=request.benchmark_id,
        provider_id=provider_id,
        provider_resource_id=request.provider_benchmark_id or request.benchmark_id,
        dataset_id=request.dataset_id,
        scoring_functions=request.scoring_functions,
        metadata=request.metadata,
    )


BENCHMARKS = ResourceKind(
    registered_key="benchmarks",
    type="benchmark",
    api=Api.eval,
    resource_class=Benchmark,
    register_request=RegisterBenchmarkRequest,
    build=_build,
    id_field="benchmark_id",
)


BENCHMARKS_API = ResourceApi(
    kind=BENCHMARKS, path="/v1alpha/eval/benchmarks", list_response=ListBenchmarksResponse, tag="benchmarks"
)
