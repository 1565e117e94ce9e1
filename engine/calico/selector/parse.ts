/**
 * Calico selector text → AST. Grammar (lowest precedence first), as libcalico-go parses it:
 *
 *   or   := and ('||' and)*
 *   and  := op ('&&' op)*
 *   op   := '!'* ( 'all()' | 'global()' | 'has(' key ')' | key match | '(' or ')' )
 *   match:= '==' str | '!=' str | 'contains' str | 'starts with' str | 'ends with' str
 *         | 'in' set | 'not in' set
 *   set  := '{' (str (',' str)* ','?)? '}'
 *
 * so match operators bind tighter than parentheses' contents are grouped, then `!`, `&&`, `||`.
 * Strings take single or double quotes with no escapes (Calico has none). Keys are
 * `[A-Za-z0-9_./-]+`. Empty text means `all()`. Errors carry the 1-based column.
 */
import type { SelectorNode } from './ast.ts';
import { ALL } from './ast.ts';

/** A selector that does not parse; `column` is 1-based into the selector text. */
export class SelectorError extends Error {
  override name = 'SelectorError';
  constructor(
    readonly column: number,
    readonly reason: string,
    readonly text: string,
  ) {
    super(`selector column ${column}: ${reason} (in "${text}")`);
  }
}

type TokKind =
  | 'label' | 'string' | 'lbrace' | 'rbrace' | 'comma' | 'eq' | 'ne' | 'in' | 'notIn' | 'not'
  | 'contains' | 'startsWith' | 'endsWith' | 'all' | 'global' | 'has' | 'lparen' | 'rparen'
  | 'and' | 'or' | 'eof';

interface Token {
  readonly kind: TokKind;
  readonly value: string;
  readonly col: number;
}

const KEY_CHAR = /[A-Za-z0-9_./-]/;

function readKey(s: string, i: number): string {
  let j = i;
  while (j < s.length && KEY_CHAR.test(s[j]!)) j++;
  return s.slice(i, j);
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

/** Splits selector text into tokens, each with its column. */
function tokenize(text: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  const fail = (at: number, why: string): never => {
    throw new SelectorError(at + 1, why, text);
  };
  const push = (kind: TokKind, col: number, value = ''): void => {
    toks.push({ kind, value, col: col + 1 });
  };
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length) {
      push('eof', i);
      return toks;
    }
    const c = text[i]!;
    const start = i;
    const two = text.slice(i, i + 2);
    if (c === '(') (push('lparen', i), i++);
    else if (c === ')') (push('rparen', i), i++);
    else if (c === '{') (push('lbrace', i), i++);
    else if (c === '}') (push('rbrace', i), i++);
    else if (c === ',') (push('comma', i), i++);
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail(i, `unterminated string: no closing ${c}`);
      push('string', i, text.slice(i + 1, end));
      i = end + 1;
    } else if (two === '==') (push('eq', i), (i += 2));
    else if (two === '!=') (push('ne', i), (i += 2));
    else if (c === '!') (push('not', i), i++);
    else if (two === '&&') (push('and', i), (i += 2));
    else if (two === '||') (push('or', i), (i += 2));
    else if (c === '=') fail(i, "expected '==' (a single '=' is not an operator)");
    else if (c === '&') fail(i, "expected '&&'");
    else if (c === '|') fail(i, "expected '||'");
    else if (toks.length > 0 && toks[toks.length - 1]!.kind === 'label') {
      // After a key only an operator word may follow.
      const word = readKey(text, i);
      if (word === 'contains') (push('contains', i), (i += word.length));
      else if (word === 'in') (push('in', i), (i += 2));
      else if (word === 'starts' || word === 'ends' || word === 'not') {
        const j = skipWs(text, i + word.length);
        const next = word === 'not' ? 'in' : 'with';
        if (readKey(text, j) !== next) fail(j, `expected '${word} ${next}'`);
        push(word === 'not' ? 'notIn' : word === 'starts' ? 'startsWith' : 'endsWith', i);
        i = j + next.length;
      } else {
        fail(i, `expected an operator after label '${toks[toks.length - 1]!.value}' (==, !=, in, not in, contains, starts with, ends with)`);
      }
    } else {
      const word = readKey(text, i);
      if (word === '') fail(i, `unexpected character '${c}'`);
      const after = skipWs(text, i + word.length);
      if ((word === 'all' || word === 'global') && text[after] === '(') {
        const close = skipWs(text, after + 1);
        if (text[close] !== ')') fail(close, `expected ')' after '${word}('`);
        push(word, start);
        i = close + 1;
      } else if (word === 'has' && text[after] === '(') {
        const k0 = skipWs(text, after + 1);
        const key = readKey(text, k0);
        if (key === '') fail(k0, "expected a label name in 'has(…)'");
        const close = skipWs(text, k0 + key.length);
        if (text[close] !== ')') fail(close, "expected ')' after has(label");
        push('has', start, key);
        i = close + 1;
      } else {
        push('label', i, word);
        i += word.length;
      }
    }
  }
}

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }

  private fail(t: Token, why: string): never {
    throw new SelectorError(t.col, why, this.text);
  }

  parseRoot(): SelectorNode {
    if (this.peek().kind === 'eof') return ALL;
    const n = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, t.kind === 'rparen' ? "unbalanced ')'" : `unexpected ${describe(t)}; expected '&&', '||' or the end`);
    return n;
  }

  private parseOr(): SelectorNode {
    const parts = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.pos++;
      parts.push(this.parseAnd());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', exprs: parts };
  }

  private parseAnd(): SelectorNode {
    const parts = [this.parseOp()];
    while (this.peek().kind === 'and') {
      this.pos++;
      parts.push(this.parseOp());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', exprs: parts };
  }

  private parseOp(): SelectorNode {
    let negate = false;
    while (this.peek().kind === 'not') {
      negate = !negate;
      this.pos++;
    }
    const n = this.parseTerm();
    return negate ? { kind: 'not', expr: n } : n;
  }

  private parseTerm(): SelectorNode {
    const t = this.peek();
    this.pos++;
    switch (t.kind) {
      case 'all':
        return { kind: 'all' };
      case 'global':
        return { kind: 'global' };
      case 'has':
        return { kind: 'has', key: t.value };
      case 'lparen': {
        const n = this.parseOr();
        if (this.peek().kind !== 'rparen') this.fail(this.peek(), `expected ')' to close the '(' at column ${t.col}`);
        this.pos++;
        return n;
      }
      case 'label':
        return this.parseMatch(t.value);
      case 'eof':
        return this.fail(t, 'unexpected end of selector; expected a label, has(…), all() or (');
      default:
        return this.fail(t, `unexpected ${describe(t)}; expected a label, has(…), all() or (`);
    }
  }

  private parseMatch(key: string): SelectorNode {
    const op = this.peek();
    this.pos++;
    switch (op.kind) {
      case 'eq':
      case 'ne':
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        return { kind: op.kind, key, value: this.expectString(op) };
      case 'in':
      case 'notIn':
        return { kind: op.kind, key, values: this.parseSet() };
      default:
        return this.fail(op, `expected an operator after label '${key}' (==, !=, in, not in, contains, starts with, ends with)`);
    }
  }

  private expectString(op: Token): string {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(t, `expected a quoted string after ${describe(op)}`);
    this.pos++;
    return t.value;
  }

  private parseSet(): string[] {
    const open = this.peek();
    if (open.kind !== 'lbrace') this.fail(open, "expected a set literal like {'a', 'b'}");
    this.pos++;
    const values: string[] = [];
    while (this.peek().kind === 'string') {
      values.push(this.peek().value);
      this.pos++;
      if (this.peek().kind !== 'comma') break;
      this.pos++;
    }
    if (this.peek().kind !== 'rbrace') this.fail(this.peek(), "expected '}' or a quoted string in the set");
    this.pos++;
    return values;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'label':
      return `label '${t.value}'`;
    case 'string':
      return `string '${t.value}'`;
    case 'eof':
      return 'end of selector';
    default:
      return `'${SYMBOL[t.kind] ?? t.kind}'`;
  }
}

const SYMBOL: Partial<Record<TokKind, string>> = {
  lbrace: '{', rbrace: '}', comma: ',', eq: '==', ne: '!=', in: 'in', notIn: 'not in', not: '!',
  contains: 'contains', startsWith: 'starts with', endsWith: 'ends with', all: 'all()', global: 'global()',
  has: 'has()', lparen: '(', rparen: ')', and: '&&', or: '||',
};

/** Parses Calico selector text; throws SelectorError (with the column) when it is invalid. */
export function parseSelector(text: string): SelectorNode {
  return new Parser(tokenize(text), text).parseRoot();
}
