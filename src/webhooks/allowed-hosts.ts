/** One entry of WEBHOOK_ALLOWED_HOSTS: a host, and the only port allowed on it when one is named. */
export interface AllowedHost {
  /** As URL parsing spells it: lower case, IPv4 in dotted decimal, IPv6 in brackets. */
  host: string;
  port?: number;
}

const PORT = /^\d{1,5}$/;

/** Characters that would make URL parsing read more than a host: a path, credentials, a query. */
const NOT_IN_A_HOST = /[/\\@?#\s]/;

function parseEntry(entry: string): AllowedHost {
  const invalid = () => new Error(`${JSON.stringify(entry)} is not a host name, IP address or host:port`);
  // The port is split off here, not by URL parsing, which would drop a scheme's default (80, 443).
  const portAt = entry.startsWith('[') ? entry.indexOf(']:') + 1 : entry.lastIndexOf(':');
  const hostPart = portAt > 0 ? entry.slice(0, portAt) : entry;
  const portPart = portAt > 0 ? entry.slice(portAt + 1) : undefined;
  if (NOT_IN_A_HOST.test(hostPart) || (!hostPart.startsWith('[') && hostPart.includes(':'))) throw invalid();
  let host: string;
  try {
    host = new URL(`http://${hostPart}/`).hostname;
  } catch {
    throw invalid();
  }
  if (portPart === undefined) return { host };
  const port = Number(portPart);
  if (!PORT.test(portPart) || port < 1 || port > 65535) {
    throw new Error(`${JSON.stringify(entry)} has no port from 1 to 65535 after the ":"`);
  }
  return { host, port };
}

/**
 * Reads WEBHOOK_ALLOWED_HOSTS: comma-separated host names or addresses, each optionally with a
 * port (`hooks.example.com,10.0.0.5:8443,[::1]:9000`). Throws an Error saying which entry is wrong.
 */
export function parseAllowedHosts(setting: string): AllowedHost[] {
  return setting
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseEntry);
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The hosts webhooks may call. An entry without a port allows every port of its host; with one,
 * only that port. Names are compared as URL parsing spells them, without a DNS lookup.
 */
export class AllowedHosts {
  constructor(private readonly hosts: readonly AllowedHost[]) {}

  /** Without any entry, webhooks are off. */
  get enabled(): boolean {
    return this.hosts.length > 0;
  }

  allows(url: URL): boolean {
    const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
    return this.hosts.some(
      (allowed) => allowed.host === url.hostname && (allowed.port === undefined || allowed.port === port),
    );
  }
}
