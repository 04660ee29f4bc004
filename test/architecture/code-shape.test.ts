/**
 * The code's shape, checked rather than hoped for: lines of at most 120 characters everywhere, and in the
 * shipped code and the simulation harness no function with more than 6 `let`s of its own or an own body of
 * more than 60 lines. A closure that needs more state than that is a state object with a pure step (as
 * `server/realtime/conversation.ts`), and a longer body is named steps.
 *
 * "Own" leaves out nested functions: a factory's returned methods count for themselves, not for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_LINE = 120;
const MAX_LETS = 6;
const MAX_BODY_LINES = 60;

/** The shipped code (and the harness tests and benches share): the functions held to the limits. */
const SHAPED = ['bus', 'machines', 'actors', 'adapters', 'runtime', 'server', 'lib', 'bin', 'web', 'sim'];
/** Every folder of code: held to the line length. */
const ALL = [...SHAPED, 'test', 'bench', 'examples', 'native'];
const SKIPPED = /(^|\/)(node_modules|dist|fixtures|build|results)(\/|$)/;

function codeFiles(folders: string[]): string[] {
  return folders.flatMap((folder) => {
    try {
      return readdirSync(folder, { recursive: true, encoding: 'utf8' })
        .map((file) => join(folder, file))
        .filter((file) => /\.(ts|mts|js|mjs)$/.test(file) && !file.endsWith('.d.ts') && !SKIPPED.test(file));
    } catch {
      return [];
    }
  });
}

interface FunctionShape {
  where: string;
  lets: number;
  bodyLines: number;
}

function lineOf(source: ts.SourceFile, position: number): number {
  return source.getLineAndCharacterOfPosition(position).line;
}

/** Lines strictly inside a block (its braces' lines left out). */
function innerLines(source: ts.SourceFile, block: ts.Block): number {
  return Math.max(0, lineOf(source, block.getEnd()) - lineOf(source, block.getStart(source)) - 1);
}

function functionName(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

function ownShape(node: ts.FunctionLikeDeclaration & { body: ts.Block }, source: ts.SourceFile, file: string) {
  let lets = 0;
  let nestedLines = 0;
  const walk = (child: ts.Node): void => {
    if (ts.isFunctionLike(child)) {
      const body = (child as ts.FunctionLikeDeclaration).body;
      if (body && ts.isBlock(body)) nestedLines += innerLines(source, body);
      return;
    }
    if (ts.isVariableDeclarationList(child) && child.flags & ts.NodeFlags.Let) lets += child.declarations.length;
    ts.forEachChild(child, walk);
  };
  ts.forEachChild(node.body, walk);
  const where = `${file}:${lineOf(source, node.getStart(source)) + 1} ${functionName(node, source)}`;
  return { where, lets, bodyLines: innerLines(source, node.body) - nestedLines };
}

function functionShapes(file: string): FunctionShape[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const shapes: FunctionShape[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) {
      const fn = node as ts.FunctionLikeDeclaration;
      if (fn.body && ts.isBlock(fn.body)) shapes.push(ownShape(fn as typeof fn & { body: ts.Block }, source, file));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return shapes;
}

describe('the code keeps its shape', () => {
  it(`no line is over ${MAX_LINE} characters`, () => {
    const long = codeFiles(ALL).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > MAX_LINE ? [`${file}:${i + 1} (${line.length})`] : [])),
    );
    expect(long, 'wrap them (prettier wraps code; comments and strings by hand)').toEqual([]);
  });

  it(`no shipped function holds more than ${MAX_LETS} lets or an own body over ${MAX_BODY_LINES} lines`, () => {
    const shapes = codeFiles(SHAPED).flatMap(functionShapes);
    expect(shapes.length, 'the scan found the code').toBeGreaterThan(500);
    const tooManyLets = shapes.filter((s) => s.lets > MAX_LETS).map((s) => `${s.where}: ${s.lets} lets`);
    const tooLong = shapes.filter((s) => s.bodyLines > MAX_BODY_LINES).map((s) => `${s.where}: ${s.bodyLines} lines`);
    expect(tooManyLets, 'make the state an object with a pure step').toEqual([]);
    expect(tooLong, 'split the body into named steps').toEqual([]);
  });

  it('counts own lets and lines, leaving nested functions to themselves', () => {
    const file = 'shape-sample.ts';
    const text = [
      'function outer() {',
      '  let a = 1;',
      '  const inner = () => {',
      '    let b = 2;',
      '    let c = 3;',
      '    return b + c;',
      '  };',
      '  return a + inner();',
      '}',
    ].join('\n');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const outer = source.statements[0] as ts.FunctionDeclaration & { body: ts.Block };
    expect(ownShape(outer, source, file)).toEqual({ where: 'shape-sample.ts:1 outer', lets: 1, bodyLines: 4 });
  });
});
