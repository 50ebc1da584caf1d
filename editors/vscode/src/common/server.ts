// The language client around `covlint serve` (the command comes from ./discovery).
import * as vscode from 'vscode';
import {
    ClientCapabilities,
    ConfigurationRequest,
    FeatureState,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    StaticFeature,
} from 'vscode-languageclient/node';
import { ServerCommand } from './discovery';
import { SECTION, getServerSettings } from './settings';

export const CLIENT_ID = 'covlint';

/** Announce that this client colours lines from covlint/marks (the server then pushes them). */
class ColourFeature implements StaticFeature {
    fillClientCapabilities(capabilities: ClientCapabilities): void {
        capabilities.experimental = { ...(capabilities.experimental as object | undefined), covlint: { marks: true } };
    }
    initialize(): void {}
    getState(): FeatureState {
        return { kind: 'static' };
    }
    clear(): void {}
}

/** Answer workspace/configuration for our section with the typed settings, others as usual. */
const configurationMiddleware: ConfigurationRequest.MiddlewareSignature = async (params, token, next) => {
    const answers = await next(params, token);
    if (!Array.isArray(answers)) {
        return answers;
    }
    return params.items.map((item, index) =>
        item.section === SECTION
            ? getServerSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
            : answers[index],
    );
};

export function createClient(server: ServerCommand, cwd: string, log: vscode.LogOutputChannel): LanguageClient {
    const serverOptions: ServerOptions = {
        command: server.command,
        args: server.args,
        options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'python' }],
        initializationOptions: getServerSettings(),
        outputChannel: log,
        traceOutputChannel: log,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        middleware: { workspace: { configuration: configurationMiddleware } },
    };
    const client = new LanguageClient(CLIENT_ID, 'covlint', serverOptions, clientOptions);
    client.registerFeature(new ColourFeature());
    return client;
}
