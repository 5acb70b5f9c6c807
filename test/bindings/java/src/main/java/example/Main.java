package example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.github.cdk8s_gateway.BackendRef;
import io.github.cdk8s_gateway.CanaryRoute;
import io.github.cdk8s_gateway.CanarySplit;
import io.github.cdk8s_gateway.ExternalTrafficPolicy;
import io.github.cdk8s_gateway.Gateway;
import io.github.cdk8s_gateway.GatewayAutoscaling;
import io.github.cdk8s_gateway.GatewayDeployment;
import io.github.cdk8s_gateway.GatewayNetworkPolicy;
import io.github.cdk8s_gateway.GrpcMethodBackends;
import io.github.cdk8s_gateway.GrpcServiceMethod;
import io.github.cdk8s_gateway.GrpcServiceRoute;
import io.github.cdk8s_gateway.HeaderVersion;
import io.github.cdk8s_gateway.HeaderVersionRoute;
import io.github.cdk8s_gateway.HttpListenerProps;
import io.github.cdk8s_gateway.HttpRouteMatchProps;
import io.github.cdk8s_gateway.Listener;
import io.github.cdk8s_gateway.MethodRoute;
import io.github.cdk8s_gateway.MirrorRoute;
import io.github.cdk8s_gateway.NamedBackendRefOptions;
import io.github.cdk8s_gateway.ParentRef;
import io.github.cdk8s_gateway.ParentRefOptions;
import io.github.cdk8s_gateway.PathBackends;
import io.github.cdk8s_gateway.PathMatch;
import io.github.cdk8s_gateway.PathRoutes;
import io.github.cdk8s_gateway.ServiceBackendRefOptions;
import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.YamlOutputType;
import org.cdk8s.plus28.PodsSelectOptions;
import org.cdk8s.plus28.Pods;
import org.cdk8s.plus28.Service;
import org.cdk8s.plus28.ServicePort;

/**
 * The lesson's charts written in Java against the cdk8s-gateway artifact.
 *
 * <p>Each method builds, statement for statement, the chart of one TypeScript example under examples/ (named in its
 * comment); test/bindings/bindings.test.ts compares the YAML with that example's committed dist/ byte for byte.
 * {@code Main OUTDIR} writes OUTDIR/&lt;example&gt;[/&lt;variant&gt;]/*.k8s.yaml, then OUTDIR/error.json: what
 * building a canary with CanarySplit.percent(150) threw.
 */
public final class Main {
    private Main() {
    }

    /** examples/section.ts newApp: one file per object. */
    static App newApp(final Path outdir) {
        return new App(AppProps.builder().outdir(outdir.toString()).yamlOutputType(YamlOutputType.FILE_PER_RESOURCE).build());
    }

    /** examples/section.ts lessonChart: the lesson's objects live in task-api. */
    static Chart lessonChart(final App app) {
        return new Chart(app, "task-api", ChartProps.builder().namespace("task-api").disableResourceNameHashes(true).build());
    }

    static ApiObjectMetadata name(final String name) {
        return ApiObjectMetadata.builder().name(name).build();
    }

    static BackendRef backend(final String name, final int port) {
        return BackendRef.fromName(name, NamedBackendRefOptions.builder().port(port).build());
    }

    /** The lesson's Gateway listeners: HTTP on 80, gRPC on 50051. */
    static List<Listener> listeners() {
        return List.of(
                Listener.http(HttpListenerProps.builder().name("http").port(80).build()),
                Listener.http(HttpListenerProps.builder().name("grpc").port(50051).build()));
    }

    /** examples/canary-rollout, variant canary: 90% to stable, 10% to the canary. */
    static App canary(final Path outdir) {
        App app = newApp(outdir);
        Chart chart = lessonChart(app);
        CanaryRoute.Builder.create(chart, "Canary")
                .parentRefs(List.of(ParentRef.named("task-api-gateway")))
                .match(HttpRouteMatchProps.builder().path(PathMatch.pathPrefix("/api/")).build())
                .metadata(name("task-api-canary"))
                .stable(backend("task-api-stable", 8000))
                .canary(backend("task-api-canary", 8000))
                .split(CanarySplit.percent(10))
                .build();
        return app;
    }

    /** examples/header-routing, variant header-version: {@code x-version: 2} to v2, everything else to v1. */
    static App headerVersion(final Path outdir) {
        App app = newApp(outdir);
        Chart chart = lessonChart(app);
        HeaderVersionRoute.Builder.create(chart, "Version")
                .parentRefs(List.of(ParentRef.named("task-api-gateway")))
                .path(PathMatch.pathPrefix("/api/"))
                .metadata(name("task-api-header-version"))
                .headerName("x-version")
                .versions(List.of(HeaderVersion.builder().value("2").backendRefs(List.of(backend("task-api-v2", 8000))).build()))
                .defaultBackendRefs(List.of(backend("task-api-v1", 8000)))
                .build();
        return app;
    }

    /** examples/grpc-route: the Gateway with an HTTP and a gRPC listener, and the GRPCRoute of task.TaskService. */
    static App grpcRoute(final Path outdir) {
        App app = newApp(outdir);
        Chart chart = lessonChart(app);
        Gateway gateway = Gateway.Builder.create(chart, "Gateway")
                .metadata(name("task-api-gateway"))
                .gatewayClassName("eg")
                .listeners(listeners())
                .build();
        GrpcServiceRoute.Builder.create(chart, "TaskService")
                .metadata(name("task-grpc-route"))
                .parentRefs(List.of(ParentRef.fromGateway(gateway, ParentRefOptions.builder().sectionName("grpc").build())))
                .service("task.TaskService")
                .backendRefs(List.of(backend("task-grpc-service", 50051)))
                .methods(List.of(
                        GrpcMethodBackends.builder().method(GrpcServiceMethod.named("CreateTask"))
                                .backendRefs(List.of(backend("task-grpc-write", 50051))).build(),
                        GrpcMethodBackends.builder().method(GrpcServiceMethod.prefix("Get"))
                                .backendRefs(List.of(backend("task-grpc-read", 50051))).build()))
                .build();
        return app;
    }

    /** examples/complete-app: the Gateway, its GatewayDeployment, the Services and routes of six patterns. */
    static App completeApp(final Path outdir) {
        App app = newApp(outdir);
        Chart chart = lessonChart(app);

        Gateway gateway = Gateway.Builder.create(chart, "Gateway")
                .metadata(name("task-api-gateway"))
                .gatewayClassName("cdk8s-gateway")
                .listeners(listeners())
                .build();
        ParentRef http = ParentRef.fromGateway(gateway, ParentRefOptions.builder().sectionName("http").build());

        // One Service per backend, selecting the pods of the same name.
        java.util.function.BiFunction<String, Integer, BackendRef> backend = (String svc, Integer port) -> {
            Service service = Service.Builder.create(chart, "Service-" + svc)
                    .metadata(name(svc))
                    .selector(Pods.select(chart, "Pods-" + svc, PodsSelectOptions.builder().labels(Map.of("app", svc)).build()))
                    .ports(List.of(ServicePort.builder().port(port).targetPort(port).build()))
                    .build();
            return BackendRef.fromService(service, ServiceBackendRefOptions.builder().port(port).build());
        };

        PathRoutes.Builder.create(chart, "Tasks")
                .metadata(name("tasks"))
                .parentRefs(List.of(http))
                .hostnames(List.of("tasks.example.com"))
                .paths(List.of(
                        PathBackends.builder().path(PathMatch.exact("/tasks/urgent"))
                                .backendRefs(List.of(backend.apply("urgent-task-api", 8003))).build(),
                        PathBackends.builder().path(PathMatch.pathPrefix("/users"))
                                .backendRefs(List.of(backend.apply("user-api", 8001))).build(),
                        PathBackends.builder().path(PathMatch.pathPrefix("/notifications"))
                                .backendRefs(List.of(backend.apply("notification-api", 8002))).build()))
                .build();
        CanaryRoute.Builder.create(chart, "TasksCanary")
                .metadata(name("tasks-canary"))
                .parentRefs(List.of(http))
                .hostnames(List.of("tasks.example.com"))
                .match(HttpRouteMatchProps.builder().path(PathMatch.pathPrefix("/tasks")).build())
                .stable(backend.apply("task-api-stable", 8000))
                .canary(backend.apply("task-api-canary", 8000))
                .split(CanarySplit.percent(5))
                .build();
        HeaderVersionRoute.Builder.create(chart, "Api")
                .metadata(name("api"))
                .parentRefs(List.of(http))
                .hostnames(List.of("api.example.com"))
                .headerName("x-version")
                .versions(List.of(HeaderVersion.builder().value("2").backendRefs(List.of(backend.apply("task-api-v2", 8000))).build()))
                .defaultBackendRefs(List.of(backend.apply("task-api-v1", 8000)))
                .path(PathMatch.pathPrefix("/api/"))
                .build();
        MethodRoute.Builder.create(chart, "Orders")
                .metadata(name("orders"))
                .parentRefs(List.of(http))
                .hostnames(List.of("orders.example.com"))
                .readBackendRefs(List.of(backend.apply("orders-read-replica", 8000)))
                .writeBackendRefs(List.of(backend.apply("orders-primary", 8000)))
                .build();
        MirrorRoute.Builder.create(chart, "Search")
                .metadata(name("search"))
                .parentRefs(List.of(http))
                .hostnames(List.of("search.example.com"))
                .primary(backend.apply("search", 8000))
                .shadow(backend.apply("search-shadow", 8000))
                .build();
        GrpcServiceRoute.Builder.create(chart, "TaskService")
                .metadata(name("task-grpc"))
                .parentRefs(List.of(ParentRef.fromGateway(gateway, ParentRefOptions.builder().sectionName("grpc").build())))
                .service("task.TaskService")
                .backendRefs(List.of(backend.apply("task-grpc-service", 50051)))
                .methods(List.of(
                        GrpcMethodBackends.builder().method(GrpcServiceMethod.named("CreateTask"))
                                .backendRefs(List.of(backend.apply("task-grpc-write", 50051))).build(),
                        GrpcMethodBackends.builder().method(GrpcServiceMethod.prefix("Get"))
                                .backendRefs(List.of(backend.apply("task-grpc-read", 50051))).build()))
                .build();
        GatewayDeployment.Builder.create(chart, "Runtime")
                .metadata(name("task-api-gateway-runtime"))
                .gateways(List.of(gateway))
                .replicas(2)
                .autoscaling(GatewayAutoscaling.builder().maxReplicas(6).build())
                .externalTrafficPolicy(ExternalTrafficPolicy.LOCAL)
                .networkPolicy(GatewayNetworkPolicy.builder()
                        .metricsNamespaceLabels(Map.of("kubernetes.io/metadata.name", "monitoring"))
                        .metricsPodLabels(Map.of("app.kubernetes.io/name", "prometheus"))
                        .build())
                .build();
        return app;
    }

    /** A canary of 150 percent: the library refuses it while the chart is built. */
    static String outOfRangeCanary() {
        App app = newApp(Path.of(System.getProperty("java.io.tmpdir")));
        Chart chart = lessonChart(app);
        try {
            CanaryRoute.Builder.create(chart, "Canary")
                    .stable(backend("task-api-stable", 8000))
                    .canary(backend("task-api-canary", 8000))
                    .split(CanarySplit.percent(150))
                    .build();
        } catch (RuntimeException error) {
            return "{\"type\": " + json(error.getClass().getName()) + ", \"message\": " + json(error.getMessage()) + "}";
        }
        return "{\"type\": null, \"message\": null}";
    }

    static String json(final String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: Main OUTDIR");
        }
        Path outdir = Path.of(args[0]);
        canary(outdir.resolve("canary-rollout").resolve("canary")).synth();
        headerVersion(outdir.resolve("header-routing").resolve("header-version")).synth();
        grpcRoute(outdir.resolve("grpc-route")).synth();
        completeApp(outdir.resolve("complete-app")).synth();
        Files.writeString(outdir.resolve("error.json"), outOfRangeCanary(), StandardCharsets.UTF_8);
    }
}
