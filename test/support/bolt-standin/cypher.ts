/**
 * The part of Cypher the stand-in understands: a lexer for the whole token set, and a
 * parser for the clause shapes edgar sends. Anything else is a syntax error with Neo4j's
 * code, never a silent success, so a statement the project starts sending without
 * teaching the stand-in fails the tests.
 *
 * Understood clauses:
 *   UNWIND expr AS v
 *   MERGE (v:Label {prop: expr, ...}) [ON CREATE SET ...]   MERGE (a)-[r:TYPE {prop: expr}]->(b)
 *   MATCH (v:Label)                              MATCH ()-[r:TYPE]->()
 *   SET v += expr, v.prop = expr
 *   RETURN expr [AS name], ...                   (count(v), count(*) aggregate)
 *   CALL db.labels() | db.relationshipTypes() | dbms.components() YIELD a, b [RETURN ...]
 *   SHOW CONSTRAINTS | SHOW INDEXES [YIELD a, b [RETURN ...]]
 *   CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (v:Label) REQUIRE v.prop IS UNIQUE
 *   CREATE INDEX [name] [IF NOT EXISTS] FOR (v:Label) ON (v.prop)
 * Expressions: literals (string, integer, float, true, false, null), $param, variables,
 * property access (a.b.`c`), map literals, count().
 */

export class CypherSyntaxError extends Error {}

type TokKind = 'ident' | 'quoted' | 'param' | 'string' | 'int' | 'float' | 'punct' | 'eof';
export interface Token {
  kind: TokKind;
  text: string;
  value?: string | bigint | number;
  pos: number;
}

const PUNCT = ['+=', '->', '<-', '<>', '<=', '>=', '(', ')', '[', ']', '{', '}', ':', ',', '.', '-', '>', '<', '=', '+', '*', ';', '|'];

export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const err = (msg: string): never => {
    throw new CypherSyntaxError(`${msg} (${where(src, i)})`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      i = end + 2;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), pos: start });
      continue;
    }
    if (c === '`') {
      let name = '';
      i++;
      for (;;) {
        if (i >= src.length) err('unterminated backtick-quoted name');
        if (src[i] === '`') {
          if (src[i + 1] === '`') {
            name += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += src[i++];
      }
      if (name.length === 0) err('empty backtick-quoted name');
      out.push({ kind: 'quoted', text: name, pos: start });
      continue;
    }
    if (c === '$') {
      i++;
      const s = i;
      if (src[i] === '`') err('quoted parameter names are not supported by the stand-in');
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      if (s === i) err("Invalid input '$'");
      out.push({ kind: 'param', text: src.slice(s, i), pos: start });
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= src.length) err('unterminated string literal');
        const d = src[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\' };
          if (e !== undefined && simple[e] !== undefined) {
            s += simple[e];
            i += 2;
            continue;
          }
          if (e === 'u' || e === 'U') {
            const hex = src.slice(i + 2, i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) err('bad \\u escape');
            s += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          err('bad escape in string literal');
        }
        s += d;
        i++;
      }
      out.push({ kind: 'string', text: src.slice(start, i), value: s, pos: start });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        while (i < src.length && /[0-9]/.test(src[i]!)) i++;
        out.push({ kind: 'float', text: src.slice(start, i), value: Number(src.slice(start, i)), pos: start });
      } else {
        out.push({ kind: 'int', text: src.slice(start, i), value: BigInt(src.slice(start, i)), pos: start });
      }
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (p === undefined) err(`Invalid input '${c}'`);
    out.push({ kind: 'punct', text: p!, pos: start });
    i += p!.length;
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

export function where(src: string, pos: number): string {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column} (offset: ${pos})`;
}

// ---- AST ----

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'param'; name: string }
  | { kind: 'var'; name: string }
  | { kind: 'prop'; of: Expr; name: string }
  | { kind: 'map'; entries: [string, Expr][] }
  | { kind: 'count'; arg: Expr | '*' };

export interface NodePattern {
  variable: string | undefined;
  label: string | undefined;
  props: [string, Expr][];
}

export interface RelPattern {
  variable: string | undefined;
  type: string;
  props: [string, Expr][];
}

export interface PathPattern {
  start: NodePattern;
  rel?: RelPattern;
  end?: NodePattern;
}

export interface ReturnItem {
  expr: Expr;
  alias: string;
}

export type Clause =
  | { kind: 'unwind'; expr: Expr; variable: string }
  | { kind: 'merge'; pattern: PathPattern; onCreate: SetItem[] }
  | { kind: 'match'; pattern: PathPattern }
  | { kind: 'set'; items: SetItem[] }
  | { kind: 'return'; items: ReturnItem[] }
  | { kind: 'call'; procedure: string; yields: string[] }
  | { kind: 'show-constraints'; yields: string[] | '*' }
  | { kind: 'show-indexes'; yields: string[] | '*' }
  | { kind: 'create-constraint'; name: string | undefined; ifNotExists: boolean; label: string; prop: string }
  | { kind: 'create-index'; name: string | undefined; ifNotExists: boolean; label: string; prop: string };

export type SetItem = { kind: 'merge-map'; variable: string; expr: Expr } | { kind: 'prop'; variable: string; prop: string; expr: Expr };

export interface Query {
  clauses: Clause[];
  /** 'r' read, 'w' write, 's' schema: what Neo4j reports as the query type. */
  type: 'r' | 'w' | 's';
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  private peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }

  fail(expected: string): never {
    const t = this.peek();
    const got = t.kind === 'eof' ? 'end of input' : `'${t.kind === 'quoted' ? '`' + t.text + '`' : t.text}'`;
    throw new CypherSyntaxError(`Invalid input ${got}: expected ${expected} (${where(this.src, t.pos)})`);
  }

  /** `[name] [IF NOT EXISTS] FOR (v:Label)`: the head shared by CREATE INDEX and CREATE CONSTRAINT. */
  schemaHead(what: string): { name: string | undefined; ifNotExists: boolean; v: string; label: string } {
    let name: string | undefined;
    if (!this.isKw('IF') && !this.isKw('FOR')) name = this.name(what);
    let ifNotExists = false;
    if (this.isKw('IF')) {
      this.i++;
      this.kw('NOT');
      this.kw('EXISTS');
      ifNotExists = true;
    }
    this.kw('FOR');
    this.punct('(');
    const v = this.name('a variable');
    this.punct(':');
    const label = this.name('a label');
    this.punct(')');
    return { name, ifNotExists, v, label };
  }

  /** A keyword is a bare identifier, case-insensitive; a backtick-quoted name never is one. */
  isKw(word: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  kw(word: string): void {
    if (!this.isKw(word)) this.fail(word);
    this.i++;
  }

  isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  punct(p: string): void {
    if (!this.isPunct(p)) this.fail(`'${p}'`);
    this.i++;
  }

  name(what: string): string {
    const t = this.peek();
    if (t.kind !== 'ident' && t.kind !== 'quoted') this.fail(what);
    this.i++;
    return t.text;
  }

  query(): Query {
    const clauses: Clause[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.isPunct(';') && this.peek(1).kind === 'eof') {
        this.i++;
        break;
      }
      clauses.push(this.clause());
    }
    if (clauses.length === 0) this.fail('a clause');
    validateScopes(this, clauses);
    const writes = clauses.some((c) => c.kind === 'merge' || c.kind === 'set');
    const schema = clauses.some((c) => c.kind === 'create-constraint' || c.kind === 'create-index');
    return { clauses, type: schema ? 's' : writes ? 'w' : 'r' };
  }

  clause(): Clause {
    if (this.isKw('UNWIND')) {
      this.i++;
      const expr = this.expr();
      this.kw('AS');
      return { kind: 'unwind', expr, variable: this.name('a variable') };
    }
    if (this.isKw('MERGE')) {
      this.i++;
      const pattern = this.path();
      const onCreate: SetItem[] = [];
      while (this.isKw('ON')) {
        this.i++;
        if (this.isKw('MATCH')) this.fail('CREATE (ON MATCH is not supported by the stand-in)');
        this.kw('CREATE');
        this.kw('SET');
        onCreate.push(...this.setItems());
      }
      return { kind: 'merge', pattern, onCreate };
    }
    if (this.isKw('MATCH')) {
      this.i++;
      const pattern = this.path();
      if (this.isPunct(',')) this.fail('a clause (comma-separated patterns are not supported by the stand-in)');
      return { kind: 'match', pattern };
    }
    if (this.isKw('SET')) {
      this.i++;
      return { kind: 'set', items: this.setItems() };
    }
    return this.clause2();
  }

  setItems(): SetItem[] {
    const items: SetItem[] = [];
    do {
        const variable = this.name('a variable');
        if (this.isPunct('+=')) {
          this.i++;
          items.push({ kind: 'merge-map', variable, expr: this.expr() });
        } else if (this.isPunct('.')) {
          this.i++;
          const prop = this.name('a property name');
          this.punct('=');
          items.push({ kind: 'prop', variable, prop, expr: this.expr() });
        } else this.fail("'+=' or '.'");
      } while (this.isPunct(',') && ++this.i);
    return items;
  }

  clause2(): Clause {
    if (this.isKw('RETURN')) {
      this.i++;
      return { kind: 'return', items: this.returnItems() };
    }
    if (this.isKw('CALL')) {
      this.i++;
      let procedure = this.name('a procedure name');
      while (this.isPunct('.')) {
        this.i++;
        procedure += '.' + this.name('a procedure name');
      }
      this.punct('(');
      this.punct(')');
      const yields: string[] = [];
      if (this.isKw('YIELD')) {
        this.i++;
        do yields.push(this.name('a column name'));
        while (this.isPunct(',') && ++this.i);
      }
      return { kind: 'call', procedure, yields };
    }
    if (this.isKw('SHOW')) {
      this.i++;
      if (this.isKw('ALL')) this.i++;
      const what = this.isKw('INDEXES') ? 'show-indexes' : 'show-constraints';
      if (what === 'show-indexes') this.i++;
      else this.kw('CONSTRAINTS');
      let yields: string[] | '*' = '*';
      if (this.isKw('YIELD')) {
        this.i++;
        if (this.isPunct('*')) {
          this.i++;
        } else {
          yields = [];
          do yields.push(this.name('a column name'));
          while (this.isPunct(',') && ++this.i);
        }
      }
      return { kind: what, yields };
    }
    if (this.isKw('CREATE') && this.isKw('INDEX', 1)) {
      this.i += 2;
      const { name, ifNotExists, v, label } = this.schemaHead('an index name');
      this.kw('ON');
      this.punct('(');
      const v2 = this.name('a variable');
      if (v2 !== v) throw new CypherSyntaxError(`Variable \`${v2}\` not defined`);
      this.punct('.');
      const prop = this.name('a property name');
      if (this.isPunct(',')) this.fail("')' (composite indexes are not supported by the stand-in)");
      this.punct(')');
      return { kind: 'create-index', name, ifNotExists, label, prop };
    }
    if (this.isKw('CREATE')) {
      this.i++;
      this.kw('CONSTRAINT');
      const { name, ifNotExists, v, label } = this.schemaHead('a constraint name');
      this.kw('REQUIRE');
      const v2 = this.name('a variable');
      if (v2 !== v) throw new CypherSyntaxError(`Variable \`${v2}\` not defined`);
      this.punct('.');
      const prop = this.name('a property name');
      this.kw('IS');
      this.kw('UNIQUE');
      return { kind: 'create-constraint', name, ifNotExists, label, prop };
    }
    return this.fail('a clause (UNWIND, MERGE, MATCH, SET, RETURN, CALL, SHOW CONSTRAINTS, SHOW INDEXES, CREATE CONSTRAINT, CREATE INDEX)');
  }

  returnItems(): ReturnItem[] {
    const items: ReturnItem[] = [];
    do {
      const start = this.peek().pos;
      const expr = this.expr();
      const text = this.src.slice(start, this.peek().pos).trim();
      let alias = text;
      if (this.isKw('AS')) {
        this.i++;
        alias = this.name('an alias');
      }
      items.push({ expr, alias });
    } while (this.isPunct(',') && ++this.i);
    return items;
  }

  path(): PathPattern {
    const start = this.node();
    if (!this.isPunct('-')) return { start };
    this.i++;
    this.punct('[');
    let variable: string | undefined;
    if (this.peek().kind === 'ident' || this.peek().kind === 'quoted') variable = this.name('a variable');
    this.punct(':');
    const type = this.name('a relationship type');
    if (this.isPunct('|')) this.fail("']' (type alternatives are not supported by the stand-in)");
    const props = this.isPunct('{') ? this.mapEntries() : [];
    this.punct(']');
    if (!this.isPunct('->')) this.fail("'->' (the stand-in knows outgoing relationships only)");
    this.i++;
    const end = this.node();
    return { start, rel: { variable, type, props }, end };
  }

  node(): NodePattern {
    this.punct('(');
    let variable: string | undefined;
    if (this.peek().kind === 'ident' || this.peek().kind === 'quoted') variable = this.name('a variable');
    let label: string | undefined;
    if (this.isPunct(':')) {
      this.i++;
      label = this.name('a label');
      if (this.isPunct(':') || this.isPunct('|')) this.fail("')' (one label per node pattern in the stand-in)");
    }
    const props = this.isPunct('{') ? this.mapEntries() : [];
    this.punct(')');
    return { variable, label, props };
  }

  mapEntries(): [string, Expr][] {
    this.punct('{');
    const entries: [string, Expr][] = [];
    if (!this.isPunct('}')) {
      do {
        const k = this.name('a property name');
        this.punct(':');
        entries.push([k, this.expr()]);
      } while (this.isPunct(',') && ++this.i);
    }
    this.punct('}');
    return entries;
  }

  expr(): Expr {
    const t = this.peek();
    let e: Expr;
    if (t.kind === 'param') {
      this.i++;
      e = { kind: 'param', name: t.text };
    } else if (t.kind === 'string' || t.kind === 'int' || t.kind === 'float') {
      this.i++;
      e = { kind: 'literal', value: t.value };
    } else if (this.isPunct('{')) {
      e = { kind: 'map', entries: this.mapEntries() };
    } else if (t.kind === 'ident' && /^(true|false|null)$/i.test(t.text)) {
      this.i++;
      e = { kind: 'literal', value: t.text.toLowerCase() === 'null' ? null : t.text.toLowerCase() === 'true' };
    } else if (t.kind === 'ident' && t.text.toLowerCase() === 'count' && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.i += 2;
      let arg: Expr | '*';
      if (this.isPunct('*')) {
        this.i++;
        arg = '*';
      } else arg = this.expr();
      this.punct(')');
      e = { kind: 'count', arg };
    } else if (t.kind === 'ident' || t.kind === 'quoted') {
      if (t.kind === 'ident' && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
        throw new CypherSyntaxError(`Unknown function '${t.text}' (${where(this.src, t.pos)})`);
      }
      this.i++;
      e = { kind: 'var', name: t.text };
    } else {
      return this.fail('an expression');
    }
    while (this.isPunct('.')) {
      this.i++;
      e = { kind: 'prop', of: e, name: this.name('a property name') };
    }
    return e;
  }
}

/** Variables must be defined before use, as Neo4j's semantic analysis insists. */
function validateScopes(p: Parser, clauses: Clause[]): void {
  const defined = new Set<string>();
  const use = (e: Expr): void => {
    if (e.kind === 'var' && !defined.has(e.name)) throw new CypherSyntaxError(`Variable \`${e.name}\` not defined`);
    if (e.kind === 'prop') use(e.of);
    if (e.kind === 'map') e.entries.forEach(([, v]) => use(v));
    if (e.kind === 'count' && e.arg !== '*') use(e.arg);
  };
  const defineNode = (n: NodePattern | undefined): void => {
    if (!n) return;
    n.props.forEach(([, v]) => use(v));
    if (n.variable) defined.add(n.variable);
  };
  clauses.forEach((c, idx) => {
    switch (c.kind) {
      case 'unwind':
        use(c.expr);
        defined.add(c.variable);
        break;
      case 'merge':
      case 'match':
        defineNode(c.pattern.start);
        defineNode(c.pattern.end);
        c.pattern.rel?.props.forEach(([, v]) => use(v));
        if (c.pattern.rel?.variable) defined.add(c.pattern.rel.variable);
        if (c.kind === 'merge') {
          for (const it of c.onCreate) {
            if (!defined.has(it.variable)) throw new CypherSyntaxError(`Variable \`${it.variable}\` not defined`);
            use(it.expr);
          }
        }
        break;
      case 'set':
        for (const it of c.items) {
          if (!defined.has(it.variable)) throw new CypherSyntaxError(`Variable \`${it.variable}\` not defined`);
          use(it.expr);
        }
        break;
      case 'return':
        c.items.forEach((it) => use(it.expr));
        if (idx !== clauses.length - 1) p.fail('end of input after RETURN');
        c.items.forEach((it) => defined.add(it.alias));
        break;
      case 'call':
      case 'show-constraints':
      case 'show-indexes':
        if (idx !== 0) p.fail('CALL or SHOW first (the stand-in runs them standalone)');
        if (c.kind === 'call') c.yields.forEach((y) => defined.add(y));
        else if (c.yields !== '*') c.yields.forEach((y) => defined.add(y));
        break;
      case 'create-constraint':
      case 'create-index':
        if (clauses.length !== 1) p.fail('end of input after CREATE CONSTRAINT or CREATE INDEX');
        break;
    }
  });
}

export function parse(src: string): Query {
  return new Parser(src, lex(src)).query();
}
