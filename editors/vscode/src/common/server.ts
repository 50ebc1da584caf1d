// Starting the covlint language server: which command, is it installed, and the client around it.
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
    ConfigurationRequest,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
} from 'vscode-languageclient/node';
import { resolveInterpreter } from './python';
import { LaunchSettings, SECTION, getServerSettings } from './settings';

export const CLIENT_ID = 'covlint';
const PIP_PACKAGE = 'covlint';

/** A resolved server command, and the interpreter it relies on (when started with `-m covlint`). */
export interface ServerCommand {
    command: string;
    args: string[];
    interpreter?: string[];
}

export async function resolveServerCommand(launch: LaunchSettings, resource?: vscode.Uri): Promise<ServerCommand> {
    if (launch.path.length > 0) {
        return { command: launch.path[0], args: launch.path.slice(1) };
    }
    const interpreter = await resolveInterpreter(launch.interpreter, resource);
    return { command: interpreter[0], args: [...interpreter.slice(1), '-m', 'covlint', 'serve'], interpreter };
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(command, args, { cwd, timeout: 20000 }, (error, _stdout, stderr) => {
            const code = error ? ((error as NodeJS.ErrnoException).code ?? 1) : 0;
            resolve({ code, stderr: String(stderr) });
        });
    });
}

async function isExecutable(file: string): Promise<boolean> {
    try {
        await fs.access(file, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

async function onPath(command: string): Promise<boolean> {
    if (path.isAbsolute(command) || command.includes('/') || command.includes('\\')) {
        return isExecutable(command);
    }
    const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
    const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
    for (const dir of dirs) {
        for (const suffix of suffixes) {
            if (await isExecutable(path.join(dir, command + suffix))) {
                return true;
            }
        }
    }
    return false;
}

// Exit 3: covlint is not importable; exit 4: it is too old to run as `python -m covlint`.
const PROBE = [
    'import importlib.util, sys',
    "sys.exit(3 if importlib.util.find_spec('covlint') is None else",
    "         4 if importlib.util.find_spec('covlint.__main__') is None else 0)",
].join('\n');

/** Why the server cannot start, as a message the user can act on; undefined if it looks fine. */
export async function whyNotRunnable(server: ServerCommand, cwd: string): Promise<string | undefined> {
    if (!server.interpreter) {
        return (await onPath(server.command))
            ? undefined
            : `covlint: the command in the covlint.path setting was not found: ${server.command}. ` +
                  `Install covlint with \`pip install ${PIP_PACKAGE}\` or fix the setting.`;
    }
    const python = server.interpreter.join(' ');
    const probe = await run(server.interpreter[0], [...server.interpreter.slice(1), '-c', PROBE], cwd);
    if (probe.code === 'ENOENT') {
        return `covlint: cannot run the Python interpreter "${python}". Select one with the Python extension or set covlint.interpreter.`;
    }
    if (probe.code === 3) {
        return `covlint is not installed for ${python}. Install it with: ${python} -m pip install ${PIP_PACKAGE}`;
    }
    if (probe.code === 4) {
        return `covlint in ${python} is too old to run as a server. Upgrade it with: ${python} -m pip install -U ${PIP_PACKAGE}`;
    }
    if (probe.code !== 0) {
        return `covlint: checking ${python} failed (${probe.code}): ${probe.stderr.trim().split('\n').pop() ?? ''}`;
    }
    return undefined;
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
    return new LanguageClient(CLIENT_ID, 'covlint', serverOptions, clientOptions);
}
