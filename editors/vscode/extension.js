// extension.js - the client side of the language server: starts `nltc lsp` for .nlt files
// (diagnostics as you type, hover, completion, go to definition, formatting, the model's
// summary as a code lens). The server is nltc itself; see editors/README.md.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('nlt');
  const command = config.get('server.path') || 'nltc';
  const args = ['lsp'].concat(config.get('server.args') || []);
  // TransportKind.stdio: the client talks over the server's stdin/stdout (and adds
  // --stdio to args, which `nltc lsp` accepts).
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'nlt' },
      { scheme: 'untitled', language: 'nlt' },
    ],
  };
  client = new LanguageClient('nlt', 'nltc language server', serverOptions, clientOptions);
  client.start();
  context.subscriptions.push({ dispose: () => (client ? client.stop() : undefined) });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
