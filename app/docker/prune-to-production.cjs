#!/usr/bin/env node
// Cuts node_modules down to the production dependency closure of one workspace.
//
// Why: `npm ci -w app --omit=dev` still installs packages npm flags "devOptional" across the
// whole monorepo — e.g. typescript, because a root (infra) dependency has an optional peer on it
// while the app has it as a devDependency. This walks the real graph from the workspace's
// `dependencies` (+ installed `optionalDependencies` and non-optional peers) using Node's own
// node_modules lookup, and deletes every installed package outside it.
//
//   node prune-to-production.cjs <workspace-dir> <node_modules-root-dir>
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [workspaceArg, rootArg] = process.argv.slice(2);
if (!workspaceArg || !rootArg) {
  console.error("usage: prune-to-production.cjs <workspace-dir> <node_modules-root-dir>");
  process.exit(2);
}
const workspace = path.resolve(workspaceArg);
const root = path.resolve(rootArg);

const readManifest = (dir) => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));

/** Node's lookup: <dir>/node_modules/<name>, then each parent's. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    if (dir === path.dirname(dir)) return undefined;
  }
}

const keep = new Set();
const missing = [];
function visit(dir, isWorkspace) {
  const manifest = readManifest(dir);
  const required = { ...manifest.dependencies };
  const optional = { ...manifest.optionalDependencies };
  if (!isWorkspace) {
    // Required peers must be present; optional peers (e.g. @types/pg for node-pg-migrate) are
    // kept only when something else in the closure depends on them.
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      if (!manifest.peerDependenciesMeta?.[name]?.optional) required[name] = true;
    }
  }
  for (const [names, mustExist] of [
    [Object.keys(required), true],
    [Object.keys(optional), false],
  ]) {
    for (const name of names) {
      const found = locate(name, dir);
      if (!found) {
        if (mustExist && !(name in optional)) missing.push(`${name} (needed by ${manifest.name ?? dir})`);
        continue;
      }
      if (keep.has(found)) continue;
      keep.add(found);
      visit(found, false);
    }
  }
}
visit(workspace, true);
if (missing.length > 0) {
  console.error(`production dependencies are not installed:\n  - ${missing.join("\n  - ")}`);
  process.exit(1);
}

let removed = 0;
function sweep(nodeModules) {
  if (!fs.existsSync(nodeModules)) return;
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    const full = path.join(nodeModules, entry.name);
    if (entry.name === ".bin" || entry.name === ".package-lock.json") {
      // Bin links and npm's hidden lockfile describe the pre-prune tree; nothing at run time uses them.
      fs.rmSync(full, { recursive: true, force: true });
    } else if (entry.name.startsWith("@") && entry.isDirectory()) {
      sweep(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
    } else if (entry.isSymbolicLink() || !keep.has(full)) {
      // Symlinks are npm's workspace links; production code never resolves through them.
      fs.rmSync(full, { recursive: true, force: true });
      removed++;
    } else {
      sweep(path.join(full, "node_modules"));
    }
  }
}
sweep(path.join(root, "node_modules"));
sweep(path.join(workspace, "node_modules"));
console.log(`production closure: kept ${keep.size} packages, removed ${removed}`);
