/** Whether a Docker (or compatible) engine answers, as testcontainers finds one (DOCKER_HOST, the socket, ...). */
/**
 * testcontainers' settings for brownout, unless the user set them:
 * - its reaper (Ryuk) is an image from a registry, which an offline engine cannot pull: brownout
 *   labels what it starts and sweeps it itself (sweep.ts); TESTCONTAINERS_RYUK_DISABLED=false keeps it;
 * - ports are published on 127.0.0.1 only, so that is the host to reach them on. testcontainers
 *   would take the bridge's gateway when it runs inside a container (/.dockerenv, as on this
 *   project's machines), which the published ports do not listen on.
 */
export function withoutRyuk(): void {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}

export async function findContainerEngine(): Promise<{ found: true; description: string } | { found: false; reason: string }> {
  withoutRyuk();
  try {
    // Loaded only when asked: testcontainers is not needed by the local backend.
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const rt = client.info.containerRuntime;
    return { found: true, description: `${rt.host}: ${rt.operatingSystem}, engine ${rt.serverVersion}` };
  } catch (e) {
    return { found: false, reason: (e as Error).message };
  }
}

/** The one line `--stack containers` prints when no engine answers. */
export function noEngineMessage(reason: string): string {
  return `brownout: --stack containers: no Docker engine found (testcontainers: ${reason}); the local backend is the default: run without --stack containers`;
}
