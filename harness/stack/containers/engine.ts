/** Whether a Docker (or compatible) engine answers, as testcontainers finds one (DOCKER_HOST, the socket, ...). */
export async function findContainerEngine(): Promise<{ found: true; description: string } | { found: false; reason: string }> {
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
