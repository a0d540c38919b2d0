// One lint setup for infra/, policy/, app/ and test/: ESLint's and typescript-eslint's recommended
// rules (no type-aware rules: fast, and no tsconfig per folder needed), with formatting left to
// Prettier (eslint-config-prettier turns off every rule Prettier decides). `npm run lint` checks,
// `npm run format` fixes.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["**/node_modules/", "**/dist/", "app/.dev-pg/", "**/*.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Pulumi inputs/outputs and engine payloads are untyped JSON in many places.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // require() is deliberate where it is used: ESM-only packages loaded synchronously, lazy loads.
      "@typescript-eslint/no-require-imports": "off",
      // Our errors replace a low-level cause with a message naming the problem and the fix.
      "preserve-caught-error": "off",
      // A `let` assigned once after a closure that reads it (e.g. a logger set after startup) stays a `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain Node scripts (the image's build helpers).
    files: ["**/*.cjs", "**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" },
    },
  },
  prettier,
);
