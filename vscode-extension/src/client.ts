// The language client's lifecycle: find the `tftsr` binary, start `tftsr lsp`, pass settings on,
// restart, stop, and send commands to it. Protocol: docs/lsp-protocol.md.
import * as os from 'os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { errorText, UserError } from './errors';
import {
  checkServerVersion,
  ensureExecutable,
  FoundServer,
  isRegularFile,
  locateServer,
  ServerBinaryError,
  SOURCE_LABELS,
} from './serverBinary';
import { documentSelector, DocFilter, RESTART_KEYS, ServerSettings, toServerSettings } from './settings';

export const SECTION = 'tftsr';

export type ClientState = 'running' | 'starting' | 'stopped';

/** What the server's "Attach log to issue…" code action asks of the client (it carries only a uri). */
export type AttachHandler = (arg: { uri?: string }) => Promise<unknown>;

export class ServerClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private docSelector: DocFilter[] = [];
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** Fires when the server starts, stops or starts trying to start. */
  readonly onDidChangeState = this.stateChanged.event;

  /**
   * @param onAttach runs the issue picker for a code action's `tftsr.attachToIssue {uri}`: the
   *   client is expected to pick the issue.
   */
  constructor(
    private readonly extensionPath: string,
    readonly output: vscode.OutputChannel,
    private readonly onAttach: AttachHandler,
  ) {}

  /** The documents sent to the server (empty until the first start). */
  get selector(): readonly DocFilter[] {
    return this.docSelector;
  }

  get state(): ClientState {
    if (this.client?.state === State.Running) {
      return 'running';
    }
    return this.starting !== undefined || this.client?.state === State.Starting ? 'starting' : 'stopped';
  }

  private serverSettings(): ServerSettings {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    return toServerSettings((k) => cfg.get(k), {
      homeDir: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      platform: process.platform,
    });
  }

  private async findServer(): Promise<{ found: FoundServer; version: string }> {
    const found = locateServer({
      settingPath: vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
      env: process.env,
      extensionPath: this.extensionPath,
      platform: process.platform,
      arch: process.arch,
      homeDir: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      isFile: isRegularFile,
    });
    if (found.source === 'bundled') {
      ensureExecutable(found.path);
    }
    const version = await checkServerVersion(found);
    return { found, version };
  }

  /** Starts the client once; concurrent callers share the attempt. Undefined when it failed. */
  start(): Promise<LanguageClient | undefined> {
    if (this.client) {
      return Promise.resolve(this.client);
    }
    if (!this.starting) {
      this.starting = this.doStart().finally(() => {
        this.starting = undefined;
        this.stateChanged.fire();
      });
      this.stateChanged.fire();
    }
    return this.starting;
  }

  private async doStart(): Promise<LanguageClient | undefined> {
    // The selector first: the status bar says "not running" on logs even when no binary is found.
    this.docSelector = documentSelector(this.serverSettings().globs);
    let found: FoundServer;
    try {
      const r = await this.findServer();
      found = r.found;
      this.output.appendLine(`Using tftsr ${r.version} at ${found.path} (${SOURCE_LABELS[found.source]}).`);
    } catch (e) {
      this.reportServerProblem(e);
      return undefined;
    }
    const settings = this.serverSettings();
    // No `transport`: TransportKind.stdio would append `--stdio`, an argument `tftsr lsp` does not
    // take. Without it the client still talks over the child's stdin/stdout.
    const run: Executable = { command: found.path, args: ['lsp'] };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: this.docSelector,
      initializationOptions: settings,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      middleware: {
        // The server's "Attach log to issue…" code action calls tftsr.attachToIssue with only
        // {uri}: the client is expected to pick the issue, so route it through the picker.
        executeCommand: async (command, args, next): Promise<unknown> => {
          const arg = args[0] as { uri?: string; issueId?: string } | undefined;
          if (command === 'tftsr.attachToIssue' && arg && !arg.issueId) {
            return this.onAttach(arg);
          }
          return (await next(command, args)) as unknown;
        },
        workspace: {
          // A server pulling `workspace/configuration` gets the same mapped object as a push.
          configuration: async (params, token, next): Promise<unknown[] | ResponseError> => {
            const res = (await next(params, token)) as unknown[] | ResponseError;
            if (!Array.isArray(res)) {
              return res;
            }
            return params.items.map((item, i) => (item.section === SECTION ? this.serverSettings() : res[i]));
          },
        },
      },
    };
    const client = new LanguageClient('tftsr', 'TFTSR', serverOptions, clientOptions);
    client.onDidChangeState(() => this.stateChanged.fire());
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`The server failed to start: ${errorText(e)}`);
      void vscode.window
        .showErrorMessage(`TFTSR: the language server failed to start: ${errorText(e)}`, 'Show Output', 'Open Setting')
        .then((a) => this.onProblemAction(a));
      await client.dispose().catch(() => undefined);
      return undefined;
    }
    this.client = client;
    return client;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(5000);
      } catch (e) {
        this.output.appendLine(`Stopping the server: ${errorText(e)}`);
      }
      this.stateChanged.fire();
    }
  }

  /** A new server process; undefined when it did not start (the user has been told why). */
  async restart(): Promise<LanguageClient | undefined> {
    await this.stop();
    return this.start();
  }

  private reportServerProblem(e: unknown): void {
    const msg = errorText(e);
    this.output.appendLine(`Cannot start the language server: ${msg}`);
    const hint =
      e instanceof ServerBinaryError && e.source === 'env'
        ? ' Fix or unset TFTSR_SERVER_PATH, or set tftsr.server.path.'
        : ' Set tftsr.server.path to the tftsr binary.';
    void vscode.window
      .showErrorMessage(`TFTSR: cannot start the language server: ${msg}${hint}`, 'Open Setting', 'Show Output')
      .then((a) => this.onProblemAction(a));
  }

  private onProblemAction(action: string | undefined): void {
    if (action === 'Open Setting') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'tftsr.server.path');
    } else if (action === 'Show Output') {
      this.output.show(true);
    }
  }

  /** Settings changed: pushed to the running server, or a restart for the keys that need one. */
  async onConfigChange(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!e.affectsConfiguration(SECTION)) {
      return;
    }
    if (RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`)) || !this.client) {
      await this.restart();
      return;
    }
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: this.serverSettings() },
    });
  }

  /** The running client, starting it if needed; throws a user-facing error when there is none. */
  private async require(): Promise<LanguageClient> {
    const c = await this.start();
    if (!c) {
      throw new UserError('the language server is not running (see TFTSR: Show Server Output).');
    }
    return c;
  }

  /** `workspace/executeCommand` with one object argument, as every tftsr.* server command takes. */
  async exec<T>(command: string, arg: object): Promise<T> {
    const c = await this.require();
    return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] })) as T;
  }

  dispose(): void {
    this.stateChanged.dispose();
  }
}
