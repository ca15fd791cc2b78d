/**
 * The README's walk-throughs as data for the tests that run them as written: a section's fenced
 * blocks, its shell lines (each with the output block the README shows after its block, if any),
 * and the README's order of sections. test/cli/readme-coverage.test.ts checks that every section
 * with shell blocks is run by a test that reads it through `readmeSection`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from '../../src/kit/node-launcher.js'

export const README_PATH = join(REPO, 'README.md')

export interface Fence { lang: string; lines: string[] }
export interface ReadmeStep { line: string; /** the output block shown after this line's block, if this is the block's last line */ expected?: string }
export interface ReadmeSection { title: string; fences: Fence[]; steps: ReadmeStep[]; /** every line of the output blocks */ shown: string[] }

/** The `## ` sections of the README in order: title and text. */
export function readmeSections(text = readFileSync(README_PATH, 'utf8')): Array<{ title: string; text: string }> {
  return text.split('\n## ').slice(1).map((part) => {
    const nl = part.indexOf('\n')
    return { title: part.slice(0, nl).trim(), text: part.slice(nl + 1) }
  })
}

/** The fenced blocks of a markdown text: language and non-empty lines. */
export function fences(md: string): Fence[] {
  const out: Fence[] = []
  let cur: Fence | undefined
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) {
      if (cur) out.push(cur), (cur = undefined)
      else cur = { lang: line.slice(3).trim(), lines: [] }
    } else if (cur && line.trim()) cur.lines.push(line)
  }
  return out
}

/** One walk-through of the README by its title (without "## "); throws if there is none. */
export function readmeSection(title: string): ReadmeSection {
  const s = readmeSections().find((x) => x.title === title)
  if (!s) throw new Error(`README.md has no section "## ${title}"`)
  const fs = fences(s.text)
  const steps: ReadmeStep[] = []
  fs.forEach((f, i) => {
    if (f.lang !== 'sh') return
    const next = fs[i + 1]
    f.lines.forEach((line, j) => steps.push({ line, expected: j === f.lines.length - 1 && next && next.lang === '' ? next.lines.join('\n') : undefined }))
  })
  return { title, fences: fs, steps, shown: fs.filter((f) => f.lang === '').flatMap((f) => f.lines) }
}

/** Splits a shell line on spaces, keeping "double-quoted" words together. */
export const words = (line: string): string[] => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

/** A README output block as a pattern over whole output: "…" stands for anything. */
export function outputPattern(expected: string): RegExp {
  const parts = expected.trim().split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp('^' + parts.join('[\\s\\S]*?') + '$')
}
