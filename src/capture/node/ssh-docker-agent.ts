// An http.Agent that carries Docker API requests over one verified SSH connection: one `docker system dial-stdio` per request.
//
// Why not docker-modem's built-in ssh transport: it opens a new SSH connection per HTTP request, all at once, so
// listing an engine with a dozen containers trips sshd's MaxStartups and connections are dropped; and its errors
// cannot say why a host key was refused. Here one connection is shared, channels are capped below sshd's
// MaxSessions, and a refusal surfaces as HoldCell's own error.
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type AgentAuthMethod, type ClientChannel, type ConnectConfig, type PublicKeyAuthMethod } from 'ssh2';

/** sshd's default MaxSessions is 10 channels per connection; stay below it. */
const MAX_CHANNELS = 8;
/** How long an idle connection is kept for the next request; short, so a CLI run ends promptly. */
const IDLE_CLOSE_MS = 200;
/** Remote stderr kept for the error message when dial-stdio fails (e.g. "docker: not found"). */
const STDERR_CAP = 2_048;
const DIAL_COMMAND = 'docker system dial-stdio';

export interface SshDockerTarget {
  host: string;
  port: number;
  username: string;
  auth: (AgentAuthMethod | PublicKeyAuthMethod)[];
  /** Host-key algorithms to ask for first (those known_hosts holds for this host). */
  preferredHostKeyAlgorithms: string[];
  /** Called with the raw host key during key exchange; an Error refuses the connection before authentication. */
  checkHostKey: (key: Buffer) => Error | undefined;
  readyTimeoutMs: number;
}

export class SshDockerAgent extends Agent {
  private connection: Promise<Client> | undefined;
  /** Channels open or being opened; at most MAX_CHANNELS, the rest wait in `waiting`. */
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly target: SshDockerTarget) {
    super({ keepAlive: false });
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.openChannel().then(
      (channel) => callback?.(null, channel),
      (error: unknown) => callback?.(error instanceof Error ? error : new Error(String(error)), undefined as never),
    );
    return undefined;
  }

  /** Closes the SSH connection now (open channels end with it). */
  close(): void {
    clearTimeout(this.idleTimer);
    const connection = this.connection;
    this.connection = undefined;
    void connection?.then((client) => client.end()).catch(() => undefined);
  }

  private async openChannel(): Promise<ClientChannel> {
    clearTimeout(this.idleTimer);
    // Node's Agent#maxSockets does not count connections still being created, so the cap is kept here; a waiter
    // is handed the slot of the channel that closed, so `active` never goes past the cap.
    if (this.active < MAX_CHANNELS) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let client: Client;
    try {
      client = await this.connect();
    } catch (error) {
      this.release();
      throw error;
    }
    return new Promise<ClientChannel>((resolve, reject) => {
      client.exec(DIAL_COMMAND, (error, channel) => {
        if (error) {
          this.release();
          reject(error);
          return;
        }
        // Listeners go on at once: ssh2 may deliver the exit status and close in the same chunk as this reply.
        const watch = this.watchChannel(channel);
        // Decide after that chunk is parsed: a dial-stdio that already failed fails the request with its reason.
        setImmediate(() => {
          const failure = watch.handOver();
          if (failure === undefined) resolve(channel);
          else reject(failure);
        });
      });
    });
  }

  /**
   * Watches one dial-stdio channel. A dial-stdio that exits before HoldCell finished with it (no docker on the
   * remote, no permission) fails the request with its stderr; once HoldCell ends its side, any exit (often
   * SIGPIPE) is the normal end. The slot is released exactly once, on close.
   */
  private watchChannel(channel: ClientChannel): { handOver(): Error | undefined } {
    let stderr = '';
    let finished = false;
    let handedOver = false;
    let failure: Error | undefined;
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_CAP) stderr += chunk.toString('utf8').slice(0, STDERR_CAP - stderr.length);
    });
    // After the request is over nobody else listens: a late error must not become an uncaught exception.
    channel.on('error', () => undefined);
    channel.once('finish', () => {
      finished = true;
    });
    // OpenSSH may send the remote's EOF before its exit status. Passed on at once, the EOF ends the HTTP request with
    // a bare "socket hang up" before the exit says why; so an EOF that arrives first is held until the exit (or the
    // channel's close) — ssh2 ends the channel's readable side by calling push(null), the one call intercepted here.
    let exited = false;
    let heldEof = false;
    const push = channel.push.bind(channel);
    channel.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk !== null || exited || finished) return push(chunk, encoding);
      heldEof = true;
      return false;
    };
    const releaseEof = (): void => {
      if (!heldEof) return;
      heldEof = false;
      push(null);
    };
    channel.once('exit', (code: number | null, signal?: string) => {
      exited = true;
      if (finished || code === 0 || failure !== undefined) {
        releaseEof();
        return;
      }
      const how = code === null ? `signal ${String(signal)}` : `exit ${code}`;
      const detail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
      failure = new Error(
        `the remote "${DIAL_COMMAND}" failed (${how})${detail}; is the docker CLI installed there, and may ${this.target.username} use the engine?`,
      );
      if (!handedOver) return;
      // ssh2's Channel#destroy takes no error, so the HTTP request hears it as the socket's error event.
      channel.emit('error', failure);
      channel.destroy();
    });
    channel.once('close', () => {
      if (!handedOver) failure ??= new Error(`the remote "${DIAL_COMMAND}" ended before answering`);
      releaseEof();
      this.release();
    });
    return {
      handOver: () => {
        handedOver = failure === undefined;
        return failure;
      },
    };
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.active -= 1;
    if (this.active > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.active === 0) this.close();
    }, IDLE_CLOSE_MS);
  }

  private connect(): Promise<Client> {
    this.connection ??= this.newConnection();
    return this.connection;
  }

  private newConnection(): Promise<Client> {
    const client = new Client();
    const target = this.target;
    let refusal: Error | undefined;
    const connection = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.on('error', (error) => {
        // ssh2 reports a refused host key as "Host denied (verification failed)"; the refusal says why.
        reject(refusal ?? error);
        this.forget(connection);
      });
      client.once('close', () => {
        reject(refusal ?? new Error('the SSH connection closed before it was ready'));
        this.forget(connection);
      });
    });
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      authHandler: target.auth,
      readyTimeout: target.readyTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      // hostHash unset: the verifier gets the raw key blob, compared byte for byte with known_hosts.
      hostVerifier: (key: Buffer): boolean => {
        refusal = target.checkHostKey(key);
        return refusal === undefined;
      },
      ...(target.preferredHostKeyAlgorithms.length === 0
        ? {}
        : {
            algorithms: {
              serverHostKey: {
                remove: target.preferredHostKeyAlgorithms,
                prepend: target.preferredHostKeyAlgorithms,
              } as unknown as NonNullable<ConnectConfig['algorithms']>['serverHostKey'],
            },
          }),
    };
    client.connect(config);
    return connection;
  }

  private forget(connection: Promise<Client>): void {
    if (this.connection === connection) this.connection = undefined;
  }
}
