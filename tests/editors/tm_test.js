// tm_test.js - tokenizes .nlt files with the VS Code TextMate grammar (vscode-textmate +
// vscode-oniguruma) and checks every token's scope against an independent reference
// scanner of the lexical rules in lang/README.md.
//
// usage: node tm_test.js GRAMMAR KEYWORDS_DEF PATH...
//   PATH is a .nlt file or a directory searched recursively for .nlt files. A synthetic
//   document that uses every word of keywords.def in each of its roles is checked too.
// Exit 0 when every expectation holds, 1 otherwise (each failure names file:line:col).
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const [grammarPath, keywordsPath, ...inputs] = process.argv.slice(2);
if (!grammarPath || !keywordsPath) {
    console.error('usage: node tm_test.js GRAMMAR KEYWORDS_DEF PATH...');
    process.exit(2);
}

// ---- keywords.def -------------------------------------------------------------------
function readKeywords(file) {
    const roles = new Map(); // word -> Set of role names
    const re = /^KW\(([A-Z0-9_]+), "([a-z0-9_]+)", ([A-Z |]+)\)$/;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const m = re.exec(line);
        if (m) roles.set(m[2], new Set(m[3].split('|').map((s) => s.trim())));
    }
    if (roles.size === 0) throw new Error(`no KW(...) lines in ${file}`);
    return roles;
}
const KW = readKeywords(keywordsPath);
const has = (w, role) => KW.has(w) && KW.get(w).has(role);

// ---- reference scanner --------------------------------------------------------------
// Tokens: {kind, text, line, col, endLine, endCol}; lines and columns 0-based, end
// exclusive. Kinds: comment-line, comment-block, string, int, real, word, sym.
function scan(text) {
    const toks = [];
    let i = 0, line = 0, col = 0;
    const adv = (n) => {
        for (let k = 0; k < n; k++, i++) {
            if (text[i] === '\n') { line++; col = 0; } else col++;
        }
    };
    while (i < text.length) {
        const c = text[i];
        const start = { line, col };
        const push = (kind, n) => {
            const t = text.substr(i, n);
            adv(n);
            toks.push({ kind, text: t, line: start.line, col: start.col, endLine: line, endCol: col });
        };
        let m;
        if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { adv(1); continue; }
        if (text.startsWith('//', i)) {
            const e = text.indexOf('\n', i);
            push('comment-line', (e < 0 ? text.length : e) - i);
        } else if (text.startsWith('/*', i)) {
            const e = text.indexOf('*/', i + 2);
            push('comment-block', (e < 0 ? text.length : e + 2) - i);
        } else if (c === '"') {
            m = /^"(?:[^"\\\n]|\\.)*"?/.exec(text.slice(i));
            push('string', m[0].length);
        } else if ((m = /^-?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)(?![A-Za-z0-9_.])/.exec(text.slice(i, i + 64)))) {
            push('real', m[0].length);
        } else if ((m = /^-?[0-9]+(?![A-Za-z0-9_.])/.exec(text.slice(i, i + 64)))) {
            push('int', m[0].length);
        } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256)))) {
            push('word', m[0].length);
        } else if (text.startsWith('->', i)) {
            push('sym', 2);
        } else {
            push('sym', 1);
        }
    }
    return toks;
}

// Expected scope of each token, from its context; null = must carry none of the scopes
// this test knows (an ordinary name).
function expectations(toks) {
    const code = toks.filter((t) => !t.kind.startsWith('comment'));
    const out = [];
    const parens = []; // stack: true if the '(' opened a call
    for (let k = 0; k < code.length; k++) {
        const t = code[k], prev = code[k - 1], next = code[k + 1], next2 = code[k + 2];
        const isSym = (u, s) => u && u.kind === 'sym' && u.text === s;
        const isWord = (u, w) => u && u.kind === 'word' && (w === undefined || u.text === w);
        const sameLine = (a, b) => a && b && a.endLine === b.line;
        let scope = null;
        if (t.kind === 'string') scope = 'string.quoted.double.nlt';
        else if (t.kind === 'int') scope = 'constant.numeric.integer.nlt';
        else if (t.kind === 'real') scope = 'constant.numeric.float.nlt';
        else if (t.kind === 'sym') {
            if (t.text === '(') parens.push(isWord(prev));
            if (t.text === ')') parens.pop();
            if (t.text === '->') scope = 'keyword.operator.chain.nlt';
            else if (t.text === '=') scope = 'keyword.operator.assignment.nlt';
            else if (t.text === '%' && prev && (prev.kind === 'int' || prev.kind === 'real') && sameLine(prev, t))
                scope = 'keyword.other.unit.nlt';
        } else {
            const w = t.text;
            const inCall = parens.length > 0 && parens[parens.length - 1];
            const headerEnd = (u) => isSym(u, '{') || isWord(u, 'extends');
            if (has(w, 'SYNTAX')) scope = `keyword.control.${w}.nlt`;
            else if (isWord(prev, 'extends') && sameLine(prev, t)) scope = 'entity.other.inherited-class.nlt';
            else if (prev && (prev.kind === 'int' || prev.kind === 'real') && sameLine(prev, t) && has(w, 'UNIT'))
                scope = 'keyword.other.unit.nlt';
            else if (has(w, 'BLOCK') && sameLine(t, next) &&
                     (headerEnd(next) || (isWord(next) && !has(next.text, 'SYNTAX') && sameLine(next, next2) && headerEnd(next2))))
                scope = 'storage.type.block.nlt';
            else if (isWord(prev) && has(prev.text, 'BLOCK') && sameLine(prev, t) && sameLine(t, next) && headerEnd(next) &&
                     !(code[k - 2] && code[k - 2].kind === 'sym' && code[k - 2].text === '='))
                scope = 'entity.name.type.nlt';
            else if (isSym(next, '=') && inCall && has(w, 'ARG')) scope = 'variable.parameter.nlt';
            else if (isSym(next, '=') && !inCall && has(w, 'PROP')) scope = 'support.type.property-name.nlt';
            else if (isSym(next, '(') && sameLine(t, next)) scope = 'support.function.nlt';
            else if (!isSym(next, '=') && has(w, 'VALUE')) scope = 'constant.language.nlt';
        }
        out.push({ tok: t, scope });
    }
    for (const t of toks) {
        if (t.kind === 'comment-line') out.push({ tok: t, scope: 'comment.line.double-slash.nlt' });
        if (t.kind === 'comment-block') out.push({ tok: t, scope: 'comment.block.nlt' });
    }
    return out;
}

// Scopes this test asserts; a token expected to have none must carry none of them.
const KNOWN = ['string.', 'constant.', 'keyword.control.', 'keyword.other.unit', 'storage.type',
    'entity.', 'variable.parameter', 'support.', 'comment.'];

// ---- grammar ------------------------------------------------------------------------
async function loadGrammar() {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
    await oniguruma.loadWASM(wasm);
    const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (p) => new oniguruma.OnigScanner(p),
            createOnigString: (s) => new oniguruma.OnigString(s),
        }),
        loadGrammar: async (scopeName) => {
            if (scopeName !== 'source.nlt') return null;
            return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
        },
    });
    return registry.loadGrammar('source.nlt');
}

// scopesAt[line][col] = scopes of that character.
function tokenizeLines(grammar, text) {
    const lines = text.split('\n');
    let state = vsctm.INITIAL;
    return lines.map((l) => {
        const r = grammar.tokenizeLine(l, state);
        state = r.ruleStack;
        const at = new Array(l.length);
        for (const t of r.tokens) for (let c = t.startIndex; c < t.endIndex && c < l.length; c++) at[c] = t.scopes;
        return at;
    });
}

function checkText(grammar, name, text) {
    const scopes = tokenizeLines(grammar, text);
    const lines = text.split('\n');
    const failures = [];
    let checked = 0;
    for (const { tok, scope } of expectations(scan(text))) {
        // Every character of the token (all lines of a block comment).
        for (let ln = tok.line; ln <= tok.endLine; ln++) {
            const from = ln === tok.line ? tok.col : 0;
            const to = ln === tok.endLine ? tok.endCol : lines[ln].length;
            for (let c = from; c < to; c++) {
                if (/\s/.test(lines[ln][c])) continue;
                const got = scopes[ln][c] || [];
                checked++;
                const ok = scope === null
                    ? !got.some((s) => KNOWN.some((p) => s.startsWith(p)))
                    : got.includes(scope);
                if (!ok) {
                    failures.push(`${name}:${ln + 1}:${c + 1}: '${tok.text.split('\n')[0]}' expected ` +
                        `${scope || 'no highlight'}, got [${got.join(' ')}]`);
                    ln = tok.endLine; // one failure per token
                    break;
                }
            }
        }
    }
    return { failures, checked };
}

// A document that uses every keyword in every one of its roles.
function synthetic() {
    const out = [];
    for (const [w, roles] of KW) {
        if (roles.has('SYNTAX')) continue;
        if (roles.has('BLOCK')) out.push(`${w} x_${w} { }`, `${w} { }`, `${w} extends base_${w} { }`);
        if (roles.has('PROP')) out.push(`${w} = 1`);
        if (roles.has('VALUE')) out.push(`p = ${w}`, `p = [${w}, ${w}]`, `p = f(${w})`);
        if (roles.has('ARG')) out.push(`p = f(${w} = 1, ${w} = 2 epochs)`);
        if (roles.has('UNIT')) out.push(`p = 1 ${w}`, `p = 2.5${w === 'bits' ? ' bits' : ' ' + w}`);
    }
    out.push('import "x.nlt"', 'model m extends base { }', 'p = 10%', 'p = -3e-5');
    return out.join('\n') + '\n';
}

function collect(p, acc) {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
        for (const e of fs.readdirSync(p).sort()) collect(path.join(p, e), acc);
    } else if (p.endsWith('.nlt')) acc.push(p);
    return acc;
}

(async () => {
    const grammar = await loadGrammar();
    const files = [];
    for (const p of inputs) if (fs.existsSync(p)) collect(p, files);
    const docs = [['<keywords.def synthetic>', synthetic()]];
    for (const f of files) docs.push([f, fs.readFileSync(f, 'utf8')]);
    let bad = 0, total = 0;
    for (const [name, text] of docs) {
        const { failures, checked } = checkText(grammar, name, text);
        total += checked;
        for (const f of failures.slice(0, 20)) console.log(f);
        if (failures.length > 20) console.log(`${name}: ... ${failures.length - 20} more`);
        bad += failures.length;
    }
    console.log(`${docs.length} documents (${files.length} files), ${total} characters checked, ${bad} failures`);
    process.exit(bad ? 1 : 0);
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
