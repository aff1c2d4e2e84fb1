"""/v1alpha/eval/benchmarks: the benchmark routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.eval.models import Benchmark, ListBenchmarksResponse, RegisterBenchmarkRequest
from plugstack.apis.names import Api
from plugstack.registry.resources import ResourceKind

BENCHMARKS = ResourceKind(
    registered_key="benchmarks",
    type="benchmark",
    api=Api.eval,
    resource_class=Benchmark,
    register_request=RegisterBenchmarkRequest,
    id_field="benchmark_id",
    provider_id_field="provider_benchmark_id",
)


BENCHMARKS_API = ResourceApi(
    kind=BENCHMARKS, path="/v1alpha/eval/benchmarks", list_response=ListBenchmarksResponse, tag="benchmarks"
)
