"""The lesson's charts written in Python against the cdk8s-gateway wheel.

Each function builds, statement for statement, the chart of one TypeScript example under examples/ (named in its
docstring); test/bindings/bindings.test.ts compares the YAML with that example's committed dist/ byte for byte.

    python app.py OUTDIR

writes OUTDIR/<example>[/<variant>]/*.k8s.yaml, then OUTDIR/error.json: what building a canary with
split=CanarySplit.percent(150) raised.
"""
import json
import os
import sys

import cdk8s_plus_28 as kplus
from cdk8s import ApiObjectMetadata, App, Chart, ChartProps, YamlOutputType

from cdk8s_gateway import (
    BackendRef,
    CanaryRoute,
    CanarySplit,
    ExternalTrafficPolicy,
    Gateway,
    GatewayAutoscaling,
    GatewayDeployment,
    GatewayNetworkPolicy,
    GrpcMethodBackends,
    GrpcServiceMethod,
    GrpcServiceRoute,
    HeaderVersion,
    HeaderVersionRoute,
    HttpRouteMatchProps,
    Listener,
    MethodRoute,
    MirrorRoute,
    ParentRef,
    PathBackends,
    PathMatch,
    PathRoutes,
)


def new_app(outdir: str) -> App:
    """examples/section.ts newApp: one file per object."""
    return App(outdir=outdir, yaml_output_type=YamlOutputType.FILE_PER_RESOURCE)


def lesson_chart(app: App) -> Chart:
    """examples/section.ts lessonChart: the lesson's objects live in task-api."""
    return Chart(app, "task-api", namespace="task-api", disable_resource_name_hashes=True)


def listeners() -> list:
    """The lesson's Gateway listeners: HTTP on 80, gRPC on 50051."""
    return [Listener.http(name="http", port=80), Listener.http(name="grpc", port=50051)]


def canary(outdir: str) -> App:
    """examples/canary-rollout, variant canary: 90% to stable, 10% to the canary."""
    app = new_app(outdir)
    chart = lesson_chart(app)
    CanaryRoute(
        chart,
        "Canary",
        parent_refs=[ParentRef.named("task-api-gateway")],
        match=HttpRouteMatchProps(path=PathMatch.path_prefix("/api/")),
        metadata=ApiObjectMetadata(name="task-api-canary"),
        stable=BackendRef.from_name("task-api-stable", port=8000),
        canary=BackendRef.from_name("task-api-canary", port=8000),
        split=CanarySplit.percent(10),
    )
    return app


def header_version(outdir: str) -> App:
    """examples/header-routing, variant header-version: `x-version: 2` to v2, everything else to v1."""
    app = new_app(outdir)
    chart = lesson_chart(app)
    HeaderVersionRoute(
        chart,
        "Version",
        parent_refs=[ParentRef.named("task-api-gateway")],
        path=PathMatch.path_prefix("/api/"),
        metadata=ApiObjectMetadata(name="task-api-header-version"),
        header_name="x-version",
        versions=[HeaderVersion(value="2", backend_refs=[BackendRef.from_name("task-api-v2", port=8000)])],
        default_backend_refs=[BackendRef.from_name("task-api-v1", port=8000)],
    )
    return app


def grpc_route(outdir: str) -> App:
    """examples/grpc-route: the Gateway with an HTTP and a gRPC listener, and the GRPCRoute of task.TaskService."""
    app = new_app(outdir)
    chart = lesson_chart(app)

    def backend(name: str) -> BackendRef:
        return BackendRef.from_name(name, port=50051)

    gateway = Gateway(
        chart,
        "Gateway",
        metadata=ApiObjectMetadata(name="task-api-gateway"),
        gateway_class_name="eg",
        listeners=listeners(),
    )
    GrpcServiceRoute(
        chart,
        "TaskService",
        metadata=ApiObjectMetadata(name="task-grpc-route"),
        parent_refs=[ParentRef.from_gateway(gateway, section_name="grpc")],
        service="task.TaskService",
        backend_refs=[backend("task-grpc-service")],
        methods=[
            GrpcMethodBackends(method=GrpcServiceMethod.named("CreateTask"), backend_refs=[backend("task-grpc-write")]),
            GrpcMethodBackends(method=GrpcServiceMethod.prefix("Get"), backend_refs=[backend("task-grpc-read")]),
        ],
    )
    return app


def complete_app(outdir: str) -> App:
    """examples/complete-app: the Gateway, its GatewayDeployment, the Services and routes of six patterns."""
    app = new_app(outdir)
    chart = lesson_chart(app)

    gateway = Gateway(
        chart,
        "Gateway",
        metadata=ApiObjectMetadata(name="task-api-gateway"),
        gateway_class_name="cdk8s-gateway",
        listeners=listeners(),
    )
    http = ParentRef.from_gateway(gateway, section_name="http")

    # One Service per backend, selecting the pods of the same name.
    def service(name: str, port: int = 8000) -> kplus.Service:
        return kplus.Service(
            chart,
            f"Service-{name}",
            metadata=ApiObjectMetadata(name=name),
            selector=kplus.Pods.select(chart, f"Pods-{name}", labels={"app": name}),
            ports=[kplus.ServicePort(port=port, target_port=port)],
        )

    def backend(name: str, port: int = 8000) -> BackendRef:
        return BackendRef.from_service(service(name, port), port=port)

    PathRoutes(
        chart,
        "Tasks",
        metadata=ApiObjectMetadata(name="tasks"),
        parent_refs=[http],
        hostnames=["tasks.example.com"],
        paths=[
            PathBackends(path=PathMatch.exact("/tasks/urgent"), backend_refs=[backend("urgent-task-api", 8003)]),
            PathBackends(path=PathMatch.path_prefix("/users"), backend_refs=[backend("user-api", 8001)]),
            PathBackends(path=PathMatch.path_prefix("/notifications"), backend_refs=[backend("notification-api", 8002)]),
        ],
    )
    CanaryRoute(
        chart,
        "TasksCanary",
        metadata=ApiObjectMetadata(name="tasks-canary"),
        parent_refs=[http],
        hostnames=["tasks.example.com"],
        match=HttpRouteMatchProps(path=PathMatch.path_prefix("/tasks")),
        stable=backend("task-api-stable"),
        canary=backend("task-api-canary"),
        split=CanarySplit.percent(5),
    )
    HeaderVersionRoute(
        chart,
        "Api",
        metadata=ApiObjectMetadata(name="api"),
        parent_refs=[http],
        hostnames=["api.example.com"],
        header_name="x-version",
        versions=[HeaderVersion(value="2", backend_refs=[backend("task-api-v2")])],
        default_backend_refs=[backend("task-api-v1")],
        path=PathMatch.path_prefix("/api/"),
    )
    MethodRoute(
        chart,
        "Orders",
        metadata=ApiObjectMetadata(name="orders"),
        parent_refs=[http],
        hostnames=["orders.example.com"],
        read_backend_refs=[backend("orders-read-replica")],
        write_backend_refs=[backend("orders-primary")],
    )
    MirrorRoute(
        chart,
        "Search",
        metadata=ApiObjectMetadata(name="search"),
        parent_refs=[http],
        hostnames=["search.example.com"],
        primary=backend("search"),
        shadow=backend("search-shadow"),
    )
    GrpcServiceRoute(
        chart,
        "TaskService",
        metadata=ApiObjectMetadata(name="task-grpc"),
        parent_refs=[ParentRef.from_gateway(gateway, section_name="grpc")],
        service="task.TaskService",
        backend_refs=[backend("task-grpc-service", 50051)],
        methods=[
            GrpcMethodBackends(method=GrpcServiceMethod.named("CreateTask"), backend_refs=[backend("task-grpc-write", 50051)]),
            GrpcMethodBackends(method=GrpcServiceMethod.prefix("Get"), backend_refs=[backend("task-grpc-read", 50051)]),
        ],
    )
    GatewayDeployment(
        chart,
        "Runtime",
        metadata=ApiObjectMetadata(name="task-api-gateway-runtime"),
        gateways=[gateway],
        replicas=2,
        autoscaling=GatewayAutoscaling(max_replicas=6),
        external_traffic_policy=ExternalTrafficPolicy.LOCAL,
        network_policy=GatewayNetworkPolicy(
            metrics_namespace_labels={"kubernetes.io/metadata.name": "monitoring"},
            metrics_pod_labels={"app.kubernetes.io/name": "prometheus"},
        ),
    )
    return app


def out_of_range_canary() -> dict:
    """A canary of 150 percent: the library refuses it while the chart is built."""
    app = new_app(os.devnull)
    chart = lesson_chart(app)
    try:
        CanaryRoute(
            chart,
            "Canary",
            stable=BackendRef.from_name("task-api-stable", port=8000),
            canary=BackendRef.from_name("task-api-canary", port=8000),
            split=CanarySplit.percent(150),
        )
    except Exception as error:  # noqa: BLE001 - the test asserts the exception's type and message
        return {"type": f"{type(error).__module__}.{type(error).__qualname__}", "message": str(error)}
    return {"type": None, "message": None}


def main(outdir: str) -> None:
    canary(os.path.join(outdir, "canary-rollout", "canary")).synth()
    header_version(os.path.join(outdir, "header-routing", "header-version")).synth()
    grpc_route(os.path.join(outdir, "grpc-route")).synth()
    complete_app(os.path.join(outdir, "complete-app")).synth()
    with open(os.path.join(outdir, "error.json"), "w", encoding="utf-8") as out:
        json.dump(out_of_range_canary(), out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python app.py OUTDIR")
    main(sys.argv[1])
