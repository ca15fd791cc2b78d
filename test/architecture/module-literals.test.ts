/**
 * Every module keeps the same rooms (types.ts, keeper.ts, module.ts, index.ts), and its names —
 * message types, event names, state-key prefixes — are spelled once, in its types.ts: no file of
 * src/ outside the module's folder spells one as a string literal, and inside the folder events
 * are emitted by name, not by literal. The names are collected from each module's types.ts
 * exports (`<DIR>_MSG`, `<DIR>_EVENT`, `<DIR>_KEY`) and checked against the Module itself.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import type { Module } from '../../src/app/module.js'
import { cityModules } from '../../src/chain/city-modules.js'
import { identityModule } from '../../src/modules/identity/index.js'
import { bankModule } from '../../src/modules/bank/index.js'

const ROOT = resolve(import.meta.dirname, '../..')
const SRC = join(ROOT, 'src')
const MODULES = join(SRC, 'modules')
const ROOMS = ['types.ts', 'keeper.ts', 'module.ts', 'index.ts']

interface ModuleNames {
  dir: string
  module: string
  messages: string[]
  events: string[]
  /** Full store-key prefixes: "<module>/<prefix>". */
  keyPrefixes: string[]
}

const moduleDirs = readdirSync(MODULES).filter((d) => statSync(join(MODULES, d)).isDirectory()).sort()

async function namesOf(dir: string): Promise<ModuleNames> {
  const t = (await import(pathToFileURL(join(MODULES, dir, 'types.ts')).href)) as Record<string, unknown>
  const table = (suffix: string): Record<string, string> => {
    const v = t[`${dir.toUpperCase()}_${suffix}`]
    assert.ok(v && typeof v === 'object', `src/modules/${dir}/types.ts exports no ${dir.toUpperCase()}_${suffix}`)
    const values = Object.values(v as object)
    assert.ok(values.length > 0 && values.every((x) => typeof x === 'string' && x.length > 0), `${dir.toUpperCase()}_${suffix} must map names to non-empty strings`)
    return v as Record<string, string>
  }
  assert.equal(t.MODULE, dir, `src/modules/${dir}/types.ts: MODULE must be "${dir}"`)
  return {
    dir,
    module: dir,
    messages: Object.values(table('MSG')),
    events: Object.values(table('EVENT')),
    keyPrefixes: Object.values(table('KEY')).map((p) => `${dir}/${p}`),
  }
}

const allNames = Promise.all(moduleDirs.map(namesOf))

// ------------------------------------------------------------------ the scanner

interface Literal { line: number; text: string; template: boolean }

/** String literals and template heads of a source file (module specifiers of imports and exports left out). */
function literalsOf(fileName: string, source: string): Literal[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
  const out: Literal[] = []
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) return
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) return
    if (ts.isImportTypeNode(n)) return
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push({ line: lineOf(n), text: n.text, template: false })
    else if (ts.isTemplateExpression(n)) out.push({ line: lineOf(n), text: n.head.text, template: true })
    ts.forEachChild(n, visit)
  }
  visit(sf)
  return out
}

/** What `l` spells of module `m`'s names, or undefined. */
function offence(l: Literal, m: ModuleNames): string | undefined {
  if (m.messages.includes(l.text) && !l.template) return `the message type "${l.text}" (${m.dir.toUpperCase()}_MSG)`
  if (m.events.includes(l.text) && !l.template) return `the event name "${l.text}" (${m.dir.toUpperCase()}_EVENT)`
  if (l.text === `${m.module}/` || l.text === `${m.module}.`) return `a name of ${m.module} built by hand from "${l.text}" (${m.dir.toUpperCase()}_MSG / _EVENT)`
  for (const p of m.keyPrefixes) {
    // a prefix ending in a separator ("bridge/commitments/") also may not start a literal; "bank/b" only as itself
    if (l.text === p || (/[^A-Za-z0-9]$/.test(p) && l.text.startsWith(p))) return `the state-key prefix "${p}" (${m.dir.toUpperCase()}_KEY)`
  }
  return undefined
}

function tsFiles(dir: string): string[] {
  const out: string[] = []
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) out.push(...tsFiles(p))
    else if (n.endsWith('.ts')) out.push(p)
  }
  return out
}

const inFolder = (file: string, dir: string) => file.startsWith(join(MODULES, dir) + sep)

// ------------------------------------------------------------------ the tests

test('every module has the same rooms: types.ts, keeper.ts, module.ts, and an index.ts of re-exports only', () => {
  assert.ok(moduleDirs.length >= 11, `expected the city's modules under src/modules, found ${moduleDirs.join(', ')}`)
  const problems: string[] = []
  for (const dir of moduleDirs) {
    for (const room of ROOMS) if (!existsSync(join(MODULES, dir, room))) problems.push(`src/modules/${dir}/${room} is missing`)
    const index = join(MODULES, dir, 'index.ts')
    if (!existsSync(index)) continue
    const sf = ts.createSourceFile(index, readFileSync(index, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
    for (const s of sf.statements) {
      if (!ts.isExportDeclaration(s) || !s.moduleSpecifier) problems.push(`src/modules/${dir}/index.ts:${sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1}: index.ts only re-exports`)
    }
  }
  assert.deepEqual(problems, [])
})

test("each module's types.ts names exactly the messages its Module handles, and events and keys of its own", async () => {
  const names = await allNames
  const modules: Module[] = [identityModule(), bankModule(), ...cityModules()]
  assert.deepEqual(modules.map((m) => m.name).sort(), moduleDirs, 'every folder under src/modules is a module of the city, and the other way round')
  for (const m of modules) {
    const n = names.find((x) => x.module === m.name)!
    assert.deepEqual([...n.messages].sort(), Object.keys(m.messages).map((k) => `${m.name}/${k}`).sort(), `${m.name}: ${m.name.toUpperCase()}_MSG against the Module's messages`)
    for (const e of n.events) assert.ok(e.startsWith(`${m.name}.`), `${m.name}: event "${e}" is not named after its module`)
    assert.equal(new Set(n.events).size, n.events.length, `${m.name}: an event name is listed twice`)
  }
})

test('no message type, event name or key prefix of a module is spelled as a string literal outside its folder', async () => {
  const names = await allNames
  const found: string[] = []
  for (const file of tsFiles(SRC)) {
    const lits = literalsOf(file, readFileSync(file, 'utf8'))
    for (const m of names) {
      if (inFolder(file, m.dir)) continue
      for (const l of lits) {
        const what = offence(l, m)
        if (what) found.push(`${relative(ROOT, file)}:${l.line}: spells ${what}: import it from src/modules/${m.dir}/types.ts`)
      }
    }
  }
  assert.deepEqual(found, [])
})

test("inside a module's folder, events are emitted by their names in types.ts, never by a literal", () => {
  const found: string[] = []
  for (const dir of moduleDirs) {
    for (const file of tsFiles(join(MODULES, dir))) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'emit') {
          const a = n.arguments[0]
          const literal = (x: ts.Node | undefined): boolean =>
            !!x && (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x) || ts.isTemplateExpression(x) || (ts.isBinaryExpression(x) && (literal(x.left) || literal(x.right))))
          if (literal(a)) found.push(`${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: emit(${a!.getText(sf)})`)
        }
        ts.forEachChild(n, visit)
      }
      visit(sf)
    }
  }
  assert.deepEqual(found, [])
})

test('the scanner sees literals and template heads, and not imports or comments', async () => {
  const names = await allNames
  const bills = names.find((m) => m.module === 'bills')!
  const bridge = names.find((m) => m.module === 'bridge')!
  const src = [
    "import { x } from './bills/issue.js' // 'bills/issue'",
    "const a = { type: 'bills/issue' }",
    'const b = `bills/${action}`',
    "if (e.type === 'bills.paid') {}",
    'const k = utf8(`bridge/commitments/${c}/${s}`)',
    "const fine = 'bills/issued yesterday'",
  ].join('\n')
  const hits = literalsOf('probe.ts', src).flatMap((l) => [bills, bridge].map((m) => offence(l, m)).filter((x) => x !== undefined).map(() => l.line))
  assert.deepEqual(hits, [2, 3, 4, 5])
})
