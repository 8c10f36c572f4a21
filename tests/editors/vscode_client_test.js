// vscode_client_test.js - the VS Code extension starts the language server.
// Loads editors/vscode/extension.js with stand-ins for the modules `vscode` and
// `vscode-languageclient/node` (VS Code's own, not installable here), calls activate(), and
// runs what it asked for the way vscode-languageclient's stdio transport does (the command
// with its args and --stdio): initialize must be answered with the server's capabilities,
// and shutdown then exit must end the server with status 0.
// usage: node vscode_client_test.js EXTENSION_JS NLTC
'use strict';
const Module = require('module');
const cp = require('child_process');
const [extension, nltc] = process.argv.slice(2);

function fail(msg) {
  console.error('FAIL: ' + msg);
  process.exit(1);
}

function frame(obj) {
  const body = Buffer.from(JSON.stringify(obj));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
}

class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, serverOptions, clientOptions });
  }
  start() {
    const so = this.serverOptions;
    if (so.transport !== TransportKind.stdio) fail('the server is not started over stdio');
    const langs = this.clientOptions.documentSelector.map((s) => s.language);
    if (!langs.includes('nlt')) fail('the client does not select nlt documents');
    const server = cp.spawn(so.command, so.args.concat(['--stdio']), { stdio: 'pipe' });
    let out = Buffer.alloc(0);
    server.stdout.on('data', (d) => {
      out = Buffer.concat([out, d]);
      const end = out.indexOf('\r\n\r\n');
      if (end < 0) return;
      const n = Number(/Content-Length: (\d+)/.exec(out.subarray(0, end).toString())[1]);
      if (out.length < end + 4 + n) return;
      const msg = JSON.parse(out.subarray(end + 4, end + 4 + n).toString());
      out = out.subarray(end + 4 + n);
      if (msg.id === 1) {
        const caps = msg.result && msg.result.capabilities;
        if (!caps || !caps.hoverProvider || !caps.definitionProvider) fail('initialize: ' + JSON.stringify(msg));
        server.stdin.write(frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' }));
      } else if (msg.id === 2) {
        server.stdin.write(frame({ jsonrpc: '2.0', method: 'exit' }));
      }
    });
    server.on('exit', (code) => {
      if (code !== 0) fail(`the server ended with status ${code}`);
      console.log(`ok: ${so.command} ${so.args.join(' ')} --stdio answered initialize and shut down`);
    });
    server.stdin.write(frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities: {} } }));
    return Promise.resolve();
  }
  stop() {
    return Promise.resolve();
  }
}
const TransportKind = { stdio: 0, ipc: 1, pipe: 2, socket: 3 };
const stubs = {
  vscode: {
    workspace: {
      getConfiguration: () => ({ get: (key) => ({ 'server.path': nltc, 'server.args': [] })[key] }),
    },
  },
  'vscode-languageclient/node': { LanguageClient, TransportKind },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in stubs ? stubs[request] : load.call(this, request, ...rest);
};
const subscriptions = [];
require(extension).activate({ subscriptions });
if (subscriptions.length !== 1) fail('activate registers no disposable for the client');
setTimeout(() => fail('no answer from the server in 60 s'), 60000).unref();
