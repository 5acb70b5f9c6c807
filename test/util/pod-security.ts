/**
 * The Pod Security Standards, `restricted` profile (which includes every `baseline` check), as the Kubernetes
 * documentation lists them (https://kubernetes.io/docs/concepts/security/pod-security-standards/): each control,
 * the fields it restricts and the values it allows. `restrictedViolations` returns what a pod template breaks, one
 * line per violation (empty when the pod would be admitted in a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted`).
 */

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Violations of the `restricted` profile by a pod template (`metadata` and `spec`). */
export function restrictedViolations(template: { metadata?: any; spec: any }): string[] {
  const out: string[] = [];
  const spec = template.spec ?? {};
  const annotations: Record<string, string> = template.metadata?.annotations ?? {};
  const podSc = spec.securityContext ?? {};
  const containers: Array<{ where: string; c: any }> = [
    ...(spec.containers ?? []).map((c: any, i: number) => ({ where: `containers[${i}]`, c })),
    ...(spec.initContainers ?? []).map((c: any, i: number) => ({ where: `initContainers[${i}]`, c })),
    ...(spec.ephemeralContainers ?? []).map((c: any, i: number) => ({ where: `ephemeralContainers[${i}]`, c })),
  ];
  const sc = (c: any) => c.securityContext ?? {};

  // ---------------------------------------------------------------- baseline
  // HostProcess
  if (podSc.windowsOptions?.hostProcess === true) out.push('HostProcess: securityContext.windowsOptions.hostProcess');
  for (const { where, c } of containers) {
    if (sc(c).windowsOptions?.hostProcess === true) out.push(`HostProcess: ${where}.securityContext.windowsOptions.hostProcess`);
  }
  // Host Namespaces
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) out.push(`Host Namespaces: ${f}`);
  // Privileged Containers
  for (const { where, c } of containers) if (sc(c).privileged === true) out.push(`Privileged Containers: ${where}`);
  // Capabilities (baseline: only the default set may be added)
  for (const { where, c } of containers) {
    for (const cap of sc(c).capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) out.push(`Capabilities: ${where} adds ${cap}`);
    }
  }
  // HostPath Volumes
  for (const v of spec.volumes ?? []) if (v.hostPath !== undefined) out.push(`HostPath Volumes: ${v.name}`);
  // Host Ports
  for (const { where, c } of containers) {
    for (const p of c.ports ?? []) if (p.hostPort !== undefined && p.hostPort !== 0) out.push(`Host Ports: ${where} hostPort ${p.hostPort}`);
  }
  // Host Probes / Lifecycle Hooks (v1.34+)
  for (const { where, c } of containers) {
    const handlers: Array<[string, any]> = [
      ['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe], ['startupProbe', c.startupProbe],
      ['lifecycle.postStart', c.lifecycle?.postStart], ['lifecycle.preStop', c.lifecycle?.preStop],
    ];
    for (const [name, h] of handlers) {
      for (const kind of ['httpGet', 'tcpSocket']) {
        if (h?.[kind]?.host) out.push(`Host Probes / Lifecycle Hooks: ${where}.${name}.${kind}.host`);
      }
    }
  }
  // AppArmor
  const appArmorOk = (t: unknown) => t === undefined || t === 'RuntimeDefault' || t === 'Localhost';
  if (!appArmorOk(podSc.appArmorProfile?.type)) out.push('AppArmor: securityContext.appArmorProfile');
  for (const { where, c } of containers) if (!appArmorOk(sc(c).appArmorProfile?.type)) out.push(`AppArmor: ${where}`);
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) {
      out.push(`AppArmor: annotation ${k}`);
    }
  }
  // SELinux
  const seLinux = (o: any, where: string) => {
    if (!o) return;
    if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) out.push(`SELinux: ${where} type ${o.type}`);
    if (o.user) out.push(`SELinux: ${where} user`);
    if (o.role) out.push(`SELinux: ${where} role`);
  };
  seLinux(podSc.seLinuxOptions, 'securityContext');
  for (const { where, c } of containers) seLinux(sc(c).seLinuxOptions, where);
  // /proc Mount Type
  for (const { where, c } of containers) {
    if (sc(c).procMount !== undefined && sc(c).procMount !== 'Default') out.push(`/proc Mount Type: ${where}`);
  }
  // Seccomp (baseline: never Unconfined)
  if (podSc.seccompProfile?.type === 'Unconfined') out.push('Seccomp: securityContext Unconfined');
  for (const { where, c } of containers) if (sc(c).seccompProfile?.type === 'Unconfined') out.push(`Seccomp: ${where} Unconfined`);
  // Sysctls
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) out.push(`Sysctls: ${s.name}`);

  // ---------------------------------------------------------------- restricted
  // Volume Types
  for (const v of spec.volumes ?? []) {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.length !== 1 || !RESTRICTED_VOLUME_SOURCES.has(sources[0])) out.push(`Volume Types: ${v.name} (${sources.join(', ')})`);
  }
  // Privilege Escalation: must be set to false
  for (const { where, c } of containers) {
    if (sc(c).allowPrivilegeEscalation !== false) out.push(`Privilege Escalation: ${where} allowPrivilegeEscalation is not false`);
  }
  // Running as Non-root: the pod sets true (and no container false), or every container sets true
  for (const { where, c } of containers) {
    const own = sc(c).runAsNonRoot;
    if (own === false || (own === undefined && podSc.runAsNonRoot !== true)) out.push(`Running as Non-root: ${where}`);
  }
  if (podSc.runAsNonRoot === false) out.push('Running as Non-root: securityContext.runAsNonRoot false');
  // Running as Non-root user
  if (podSc.runAsUser === 0) out.push('Running as Non-root user: securityContext.runAsUser 0');
  for (const { where, c } of containers) if (sc(c).runAsUser === 0) out.push(`Running as Non-root user: ${where}`);
  // Seccomp (restricted): RuntimeDefault or Localhost, on the pod or on every container
  const seccompOk = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  for (const { where, c } of containers) {
    const own = sc(c).seccompProfile?.type;
    if (own !== undefined ? !seccompOk(own) : !seccompOk(podSc.seccompProfile?.type)) out.push(`Seccomp: ${where} has no RuntimeDefault or Localhost profile`);
  }
  // Capabilities (restricted): drop ALL, add at most NET_BIND_SERVICE
  for (const { where, c } of containers) {
    if (!(sc(c).capabilities?.drop ?? []).includes('ALL')) out.push(`Capabilities: ${where} does not drop ALL`);
    for (const cap of sc(c).capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') out.push(`Capabilities: ${where} adds ${cap} (restricted allows only NET_BIND_SERVICE)`);
    }
  }
  return out;
}
