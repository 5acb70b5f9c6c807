/**
 * Listener layouts a GatewayDeployment must serve: ports that a naive "+ 8000" remapping makes collide, and
 * several Gateways sharing ports with different hostnames. Each builds a fresh chart; the pods run in `edge`.
 */
import { Chart, Testing } from 'cdk8s';
import { CertificateRef, Gateway, Listener } from '../../src';

export interface Layout {
  readonly name: string;
  /** The listener ports of each Gateway (sorted), in the order of `gateways`. */
  readonly gatewayPorts: number[][];
  /** The `--listen` flags the GatewayDeployment must synthesize. */
  readonly listen: string[];
  /** HTTPS listeners: (Gateway, port, SNI hostname) and the Secret whose certificate that hostname gets. */
  readonly tls: { gateway: string; port: number; hostname: string; secret: string }[];
  build(): { chart: Chart; gateways: Gateway[] };
}

/** A layout: Gateways (name -> listeners) in namespace `edge`. */
function layout(l: Omit<Layout, 'build'>, gateways: Record<string, () => Listener[]>): Layout {
  return {
    ...l,
    build: () => {
      const chart = Testing.chart();
      return {
        chart,
        gateways: Object.entries(gateways).map(([name, listeners]) =>
          new Gateway(chart, `Gateway-${name}`, { metadata: { name, namespace: 'edge' }, gatewayClassName: 'cdk8s-gateway', listeners: listeners() })),
      };
    },
  };
}

const http = (name: string, port: number, hostname?: string) => Listener.http({ name, port, hostname });
const https = (name: string, port: number, hostname: string, secret: string) =>
  Listener.https({ name, port, hostname, certificateRefs: [CertificateRef.fromSecretName(secret)] });

export const LAYOUTS: Layout[] = [
  layout({ name: '80 and 8080', gatewayPorts: [[80, 8080]], listen: ['80=0.0.0.0:8081'], tls: [] }, {
    web: () => [http('a', 80), http('b', 8080, 'b.example.com')],
  }),
  layout({
    name: '443 and 8443',
    gatewayPorts: [[443, 8443]],
    listen: ['443=0.0.0.0:8444'],
    tls: [
      { gateway: 'edge/web', port: 443, hostname: 'a.example.com', secret: 'a-tls' },
      { gateway: 'edge/web', port: 8443, hostname: 'b.example.com', secret: 'b-tls' },
    ],
  }, {
    web: () => [https('a', 443, 'a.example.com', 'a-tls'), https('b', 8443, 'b.example.com', 'b-tls')],
  }),
  layout({
    name: '80, 443, 8080 and 8443',
    gatewayPorts: [[80, 443, 8080, 8443]],
    listen: ['80=0.0.0.0:8081', '443=0.0.0.0:8444'],
    tls: [
      { gateway: 'edge/web', port: 443, hostname: 'b.example.com', secret: 'b-tls' },
      { gateway: 'edge/web', port: 8443, hostname: 'd.example.com', secret: 'd-tls' },
    ],
  }, {
    web: () => [http('a', 80), https('b', 443, 'b.example.com', 'b-tls'), http('c', 8080, 'c.example.com'), https('d', 8443, 'd.example.com', 'd-tls')],
  }),
  layout({
    name: 'two Gateways sharing 80 and 443 with different hostnames',
    gatewayPorts: [[80, 443], [80, 443]],
    listen: ['edge/public:80=0.0.0.0:8080', 'edge/public:443=0.0.0.0:8443', 'edge/internal:80=0.0.0.0:8081', 'edge/internal:443=0.0.0.0:8444'],
    tls: [
      { gateway: 'edge/public', port: 443, hostname: 'www.example.com', secret: 'www-tls' },
      { gateway: 'edge/internal', port: 443, hostname: 'int.example.com', secret: 'int-tls' },
    ],
  }, {
    public: () => [http('http', 80, 'www.example.com'), https('https', 443, 'www.example.com', 'www-tls')],
    internal: () => [http('http', 80, 'int.example.com'), https('https', 443, 'int.example.com', 'int-tls')],
  }),
  layout({ name: 'two Gateways sharing 8080', gatewayPorts: [[8080], [8080]], listen: ['edge/b:8080=0.0.0.0:8081'], tls: [] }, {
    a: () => [http('http', 8080, 'a.example.com')],
    b: () => [http('http', 8080, 'b.example.com')],
  }),
];
