#!/usr/bin/env node
// Build-time smoke check for the runtime image: fails the image build (exit 1) when an entry
// point is missing (the "dist/ never made it into the image" failure) or when any module the
// entry points load — followed statically through every relative require — cannot be resolved
// from the production-only node_modules (the "dev-only import crashes production" failure,
// including lazily required modules such as `await import("vite")` compiled to CommonJS).
// It resolves without executing app code, so it needs no env, database or network.
//
//   node check-runtime-deps.cjs <entry.js> [<entry.js> ...]
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { isBuiltin } = require("node:module");

const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error("usage: check-runtime-deps.cjs <entry.js> [...]");
  process.exit(2);
}

// require("x"), import("x") and `from "x"` in compiled output. Comments and strings can give
// false positives, which only make the check stricter, never weaker.
const SPECIFIER = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+)(["'])([^"'\n]+)\1/g;
const problems = [];
const seen = new Set();
const bare = new Map(); // package specifier -> first file that needs it

function visit(file) {
  if (seen.has(file)) return;
  seen.add(file);
  if (!/\.(c|m)?js$/.test(file)) return; // JSON and other assets have no imports
  const source = fs.readFileSync(file, "utf8");
  for (const match of source.matchAll(SPECIFIER)) {
    const spec = match[2];
    if (isBuiltin(spec)) continue;
    if (spec.startsWith(".") || spec.startsWith("/")) {
      let resolved;
      try {
        resolved = require.resolve(path.resolve(path.dirname(file), spec));
      } catch {
        problems.push(`${path.relative(process.cwd(), file)} requires ${spec}, which is not in the image`);
        continue;
      }
      visit(resolved);
    } else if (!bare.has(spec)) {
      bare.set(spec, file);
    }
  }
}

for (const entry of entries) {
  const file = path.resolve(entry);
  if (!fs.existsSync(file)) {
    problems.push(`entry point ${entry} is missing: the build did not produce it or the Dockerfile did not copy it`);
    continue;
  }
  visit(file);
}

for (const [spec, file] of bare) {
  try {
    require.resolve(spec, { paths: [path.dirname(file)] });
  } catch {
    problems.push(
      `${path.relative(process.cwd(), file)} requires "${spec}", which is not installed in the production ` +
        `dependencies: move it from devDependencies to dependencies, or stop importing it from runtime code`,
    );
  }
}

if (problems.length > 0) {
  console.error(`runtime dependency check failed (${problems.length} problem(s)):\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(`runtime dependency check: ${seen.size} files, ${bare.size} packages, all resolvable`);
