#!/usr/bin/env node
// Entry point of the `pwb` command. The sources are TypeScript run directly by Node ≥ 22.14
// (type stripping); npm scripts and `npx pwb` get that Node from the `node` devDependency.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 14)) {
  process.stderr.write(
    `pwb: error: Node ${process.versions.node} is too old; Node >= 22.14 is needed (run through npx or npm, which use the project's Node 22)\n`,
  );
  process.exit(1);
}
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
