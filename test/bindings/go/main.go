// The lesson's charts written in Go against the cdk8s-gateway module.
//
// Each function builds, statement for statement, the chart of one TypeScript example under examples/ (named in its
// comment); test/bindings/bindings.test.ts compares the YAML with that example's committed dist/ byte for byte.
//
//	go run . OUTDIR
//
// writes OUTDIR/<example>[/<variant>]/*.k8s.yaml, then OUTDIR/error.json: what building a canary with
// CanarySplit_Percent(150) panicked with.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-gateway/cdk8s-gateway-go/cdk8sgateway"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2"
)

// newApp is examples/section.ts newApp: one file per object.
func newApp(outdir string) cdk8s.App {
	return cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(outdir), YamlOutputType: cdk8s.YamlOutputType_FILE_PER_RESOURCE})
}

// lessonChart is examples/section.ts lessonChart: the lesson's objects live in task-api.
func lessonChart(app cdk8s.App) cdk8s.Chart {
	return cdk8s.NewChart(app, jsii.String("task-api"), &cdk8s.ChartProps{
		Namespace:                 jsii.String("task-api"),
		DisableResourceNameHashes: jsii.Bool(true),
	})
}

func name(n string) *cdk8s.ApiObjectMetadata {
	return &cdk8s.ApiObjectMetadata{Name: jsii.String(n)}
}

func backend(n string, port float64) cdk8sgateway.BackendRef {
	return cdk8sgateway.BackendRef_FromName(jsii.String(n), &cdk8sgateway.NamedBackendRefOptions{Port: jsii.Number(port)})
}

// canary is examples/canary-rollout, variant canary: 90% to stable, 10% to the canary.
func canary(outdir string) cdk8s.App {
	app := newApp(outdir)
	chart := lessonChart(app)
	cdk8sgateway.NewCanaryRoute(chart, jsii.String("Canary"), &cdk8sgateway.CanaryRouteProps{
		ParentRefs: &[]cdk8sgateway.ParentRef{cdk8sgateway.ParentRef_Named(jsii.String("task-api-gateway"), nil)},
		Match:      &cdk8sgateway.HttpRouteMatchProps{Path: cdk8sgateway.PathMatch_PathPrefix(jsii.String("/api/"))},
		Metadata:   name("task-api-canary"),
		Stable:     backend("task-api-stable", 8000),
		Canary:     backend("task-api-canary", 8000),
		Split:      cdk8sgateway.CanarySplit_Percent(jsii.Number(10)),
	})
	return app
}

// headerVersion is examples/header-routing, variant header-version: `x-version: 2` to v2, everything else to v1.
func headerVersion(outdir string) cdk8s.App {
	app := newApp(outdir)
	chart := lessonChart(app)
	cdk8sgateway.NewHeaderVersionRoute(chart, jsii.String("Version"), &cdk8sgateway.HeaderVersionRouteProps{
		ParentRefs: &[]cdk8sgateway.ParentRef{cdk8sgateway.ParentRef_Named(jsii.String("task-api-gateway"), nil)},
		Path:       cdk8sgateway.PathMatch_PathPrefix(jsii.String("/api/")),
		Metadata:   name("task-api-header-version"),
		HeaderName: jsii.String("x-version"),
		Versions: &[]*cdk8sgateway.HeaderVersion{
			{Value: jsii.String("2"), BackendRefs: &[]cdk8sgateway.BackendRef{backend("task-api-v2", 8000)}},
		},
		DefaultBackendRefs: &[]cdk8sgateway.BackendRef{backend("task-api-v1", 8000)},
	})
	return app
}

func listeners() *[]cdk8sgateway.Listener {
	return &[]cdk8sgateway.Listener{
		cdk8sgateway.Listener_Http(&cdk8sgateway.HttpListenerProps{Name: jsii.String("http"), Port: jsii.Number(80)}),
		cdk8sgateway.Listener_Http(&cdk8sgateway.HttpListenerProps{Name: jsii.String("grpc"), Port: jsii.Number(50051)}),
	}
}

// grpcRoute is examples/grpc-route: the Gateway with an HTTP and a gRPC listener, and the GRPCRoute of
// task.TaskService.
func grpcRoute(outdir string) cdk8s.App {
	app := newApp(outdir)
	chart := lessonChart(app)
	gateway := cdk8sgateway.NewGateway(chart, jsii.String("Gateway"), &cdk8sgateway.GatewayProps{
		Metadata:         name("task-api-gateway"),
		GatewayClassName: jsii.String("eg"),
		Listeners:        listeners(),
	})
	cdk8sgateway.NewGrpcServiceRoute(chart, jsii.String("TaskService"), &cdk8sgateway.GrpcServiceRouteProps{
		Metadata:    name("task-grpc-route"),
		ParentRefs:  &[]cdk8sgateway.ParentRef{cdk8sgateway.ParentRef_FromGateway(gateway, &cdk8sgateway.ParentRefOptions{SectionName: jsii.String("grpc")})},
		Service:     jsii.String("task.TaskService"),
		BackendRefs: &[]cdk8sgateway.BackendRef{backend("task-grpc-service", 50051)},
		Methods: &[]*cdk8sgateway.GrpcMethodBackends{
			{Method: cdk8sgateway.GrpcServiceMethod_Named(jsii.String("CreateTask")), BackendRefs: &[]cdk8sgateway.BackendRef{backend("task-grpc-write", 50051)}},
			{Method: cdk8sgateway.GrpcServiceMethod_Prefix(jsii.String("Get")), BackendRefs: &[]cdk8sgateway.BackendRef{backend("task-grpc-read", 50051)}},
		},
	})
	return app
}

// completeApp is examples/complete-app: the Gateway, its GatewayDeployment, the Services and routes of six patterns.
func completeApp(outdir string) cdk8s.App {
	app := newApp(outdir)
	chart := lessonChart(app)

	gateway := cdk8sgateway.NewGateway(chart, jsii.String("Gateway"), &cdk8sgateway.GatewayProps{
		Metadata:         name("task-api-gateway"),
		GatewayClassName: jsii.String("cdk8s-gateway"),
		Listeners:        listeners(),
	})
	http := cdk8sgateway.ParentRef_FromGateway(gateway, &cdk8sgateway.ParentRefOptions{SectionName: jsii.String("http")})

	// One Service per backend, selecting the pods of the same name.
	var scope constructs.Construct = chart
	svc := func(n string, port float64) cdk8sgateway.BackendRef {
		service := cdk8splus28.NewService(scope, jsii.String("Service-"+n), &cdk8splus28.ServiceProps{
			Metadata: name(n),
			Selector: cdk8splus28.Pods_Select(scope, jsii.String("Pods-"+n), &cdk8splus28.PodsSelectOptions{
				Labels: &map[string]*string{"app": jsii.String(n)},
			}),
			Ports: &[]*cdk8splus28.ServicePort{{Port: jsii.Number(port), TargetPort: jsii.Number(port)}},
		})
		return cdk8sgateway.BackendRef_FromService(service, &cdk8sgateway.ServiceBackendRefOptions{Port: jsii.Number(port)})
	}

	cdk8sgateway.NewPathRoutes(chart, jsii.String("Tasks"), &cdk8sgateway.PathRoutesProps{
		Metadata:   name("tasks"),
		ParentRefs: &[]cdk8sgateway.ParentRef{http},
		Hostnames:  jsii.Strings("tasks.example.com"),
		Paths: &[]*cdk8sgateway.PathBackends{
			{Path: cdk8sgateway.PathMatch_Exact(jsii.String("/tasks/urgent")), BackendRefs: &[]cdk8sgateway.BackendRef{svc("urgent-task-api", 8003)}},
			{Path: cdk8sgateway.PathMatch_PathPrefix(jsii.String("/users")), BackendRefs: &[]cdk8sgateway.BackendRef{svc("user-api", 8001)}},
			{Path: cdk8sgateway.PathMatch_PathPrefix(jsii.String("/notifications")), BackendRefs: &[]cdk8sgateway.BackendRef{svc("notification-api", 8002)}},
		},
	})
	cdk8sgateway.NewCanaryRoute(chart, jsii.String("TasksCanary"), &cdk8sgateway.CanaryRouteProps{
		Metadata:   name("tasks-canary"),
		ParentRefs: &[]cdk8sgateway.ParentRef{http},
		Hostnames:  jsii.Strings("tasks.example.com"),
		Match:      &cdk8sgateway.HttpRouteMatchProps{Path: cdk8sgateway.PathMatch_PathPrefix(jsii.String("/tasks"))},
		Stable:     svc("task-api-stable", 8000),
		Canary:     svc("task-api-canary", 8000),
		Split:      cdk8sgateway.CanarySplit_Percent(jsii.Number(5)),
	})
	cdk8sgateway.NewHeaderVersionRoute(chart, jsii.String("Api"), &cdk8sgateway.HeaderVersionRouteProps{
		Metadata:   name("api"),
		ParentRefs: &[]cdk8sgateway.ParentRef{http},
		Hostnames:  jsii.Strings("api.example.com"),
		HeaderName: jsii.String("x-version"),
		Versions: &[]*cdk8sgateway.HeaderVersion{
			{Value: jsii.String("2"), BackendRefs: &[]cdk8sgateway.BackendRef{svc("task-api-v2", 8000)}},
		},
		DefaultBackendRefs: &[]cdk8sgateway.BackendRef{svc("task-api-v1", 8000)},
		Path:               cdk8sgateway.PathMatch_PathPrefix(jsii.String("/api/")),
	})
	cdk8sgateway.NewMethodRoute(chart, jsii.String("Orders"), &cdk8sgateway.MethodRouteProps{
		Metadata:         name("orders"),
		ParentRefs:       &[]cdk8sgateway.ParentRef{http},
		Hostnames:        jsii.Strings("orders.example.com"),
		ReadBackendRefs:  &[]cdk8sgateway.BackendRef{svc("orders-read-replica", 8000)},
		WriteBackendRefs: &[]cdk8sgateway.BackendRef{svc("orders-primary", 8000)},
	})
	cdk8sgateway.NewMirrorRoute(chart, jsii.String("Search"), &cdk8sgateway.MirrorRouteProps{
		Metadata:   name("search"),
		ParentRefs: &[]cdk8sgateway.ParentRef{http},
		Hostnames:  jsii.Strings("search.example.com"),
		Primary:    svc("search", 8000),
		Shadow:     svc("search-shadow", 8000),
	})
	cdk8sgateway.NewGrpcServiceRoute(chart, jsii.String("TaskService"), &cdk8sgateway.GrpcServiceRouteProps{
		Metadata:    name("task-grpc"),
		ParentRefs:  &[]cdk8sgateway.ParentRef{cdk8sgateway.ParentRef_FromGateway(gateway, &cdk8sgateway.ParentRefOptions{SectionName: jsii.String("grpc")})},
		Service:     jsii.String("task.TaskService"),
		BackendRefs: &[]cdk8sgateway.BackendRef{svc("task-grpc-service", 50051)},
		Methods: &[]*cdk8sgateway.GrpcMethodBackends{
			{Method: cdk8sgateway.GrpcServiceMethod_Named(jsii.String("CreateTask")), BackendRefs: &[]cdk8sgateway.BackendRef{svc("task-grpc-write", 50051)}},
			{Method: cdk8sgateway.GrpcServiceMethod_Prefix(jsii.String("Get")), BackendRefs: &[]cdk8sgateway.BackendRef{svc("task-grpc-read", 50051)}},
		},
	})
	cdk8sgateway.NewGatewayDeployment(chart, jsii.String("Runtime"), &cdk8sgateway.GatewayDeploymentProps{
		Metadata:              name("task-api-gateway-runtime"),
		Gateways:              &[]cdk8sgateway.Gateway{gateway},
		Replicas:              jsii.Number(2),
		Autoscaling:           &cdk8sgateway.GatewayAutoscaling{MaxReplicas: jsii.Number(6)},
		ExternalTrafficPolicy: cdk8sgateway.ExternalTrafficPolicy_LOCAL,
		NetworkPolicy: &cdk8sgateway.GatewayNetworkPolicy{
			MetricsNamespaceLabels: &map[string]*string{"kubernetes.io/metadata.name": jsii.String("monitoring")},
			MetricsPodLabels:       &map[string]*string{"app.kubernetes.io/name": jsii.String("prometheus")},
		},
	})
	return app
}

// thrown is what building a canary of 150 percent panicked with: the library refuses it while the chart is built.
type thrown struct {
	Type    *string `json:"type"`
	Message *string `json:"message"`
}

func outOfRangeCanary() (result thrown) {
	app := newApp(os.TempDir())
	chart := lessonChart(app)
	defer func() {
		if r := recover(); r != nil {
			err, ok := r.(error)
			if !ok {
				panic(r)
			}
			result = thrown{Type: jsii.String(fmt.Sprintf("%T", err)), Message: jsii.String(err.Error())}
		}
	}()
	cdk8sgateway.NewCanaryRoute(chart, jsii.String("Canary"), &cdk8sgateway.CanaryRouteProps{
		Stable: backend("task-api-stable", 8000),
		Canary: backend("task-api-canary", 8000),
		Split:  cdk8sgateway.CanarySplit_Percent(jsii.Number(150)),
	})
	return thrown{}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . OUTDIR")
		os.Exit(2)
	}
	defer jsii.Close()
	outdir := os.Args[1]
	canary(filepath.Join(outdir, "canary-rollout", "canary")).Synth()
	headerVersion(filepath.Join(outdir, "header-routing", "header-version")).Synth()
	grpcRoute(filepath.Join(outdir, "grpc-route")).Synth()
	completeApp(filepath.Join(outdir, "complete-app")).Synth()
	data, err := json.Marshal(outOfRangeCanary())
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(outdir, "error.json"), data, 0o644); err != nil {
		panic(err)
	}
}
