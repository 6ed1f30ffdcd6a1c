/**
 * The TypeScript snippets of the README and of docs/architecture.md, written as modules of this
 * repository under test/readme-snippets/ (git-ignored): the package name points at lib/, and each
 * snippet's `app` is exported. The test task writes them before its `tsc -p tsconfig.dev.json`
 * step, which type-checks them with the library; test/docs/readme-snippets.test.ts synthesizes them.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The documents whose `ts` blocks are snippets a user pastes. */
export const SNIPPET_DOCS = ['README.md', path.join('docs', 'architecture.md')];

/** Where the snippets are written, relative to the repository root. */
export const SNIPPET_DIR = path.join('test', 'readme-snippets');

export interface Snippet {
  /** `<document> line <n>`: where the block's code starts. */
  readonly name: string;
  /** The module written for it. */
  readonly file: string;
  /** The module's source. */
  readonly source: string;
}

/** Every snippet of the documents, as the module it is written as. */
export function readmeSnippets(root: string): Snippet[] {
  return SNIPPET_DOCS.flatMap((doc) => {
    const text = fs.readFileSync(path.join(root, doc), 'utf-8');
    return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
      name: `${doc} line ${text.slice(0, m.index).split('\n').length + 1}`,
      code: m[1],
    }));
  }).map((s, i) => ({
    name: s.name,
    file: path.join(root, SNIPPET_DIR, `snippet-${i + 1}.ts`),
    source: `// ${s.name} (written by projenrc/readme-snippets.ts)\n`
      + s.code.replace(/from 'cdk-secure-sagemaker'/g, "from '../../lib'") + '\nexport { app as __app };\n',
  }));
}

/** Writes the snippets' modules (and removes those of snippets that are gone); returns them. */
export function writeReadmeSnippets(root: string): Snippet[] {
  const snippets = readmeSnippets(root);
  const dir = path.join(root, SNIPPET_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const s of snippets) {
    fs.writeFileSync(s.file, s.source);
  }
  return snippets;
}

if (require.main === module) {
  const written = writeReadmeSnippets(path.join(__dirname, '..'));
  process.stdout.write(`${written.length} snippets written to ${SNIPPET_DIR}/\n`);
}
