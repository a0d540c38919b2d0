import * as assert from "assert";
import { main } from "../../policy/cli/pulumi";

/** `npm run up` = pulumi up with the pack, then `npm run verify` (a rolled-back release must not look green). */
describe("policy/cli/pulumi (npm run preview|up)", () => {
    const stub = (statuses: number[]) => {
        const calls: string[] = [];
        const spawn = (cmd: string, args: string[]) => { calls.push(`${cmd} ${args.join(" ")}`); return { status: statuses[calls.length - 1] ?? 0 }; };
        return { calls, spawn };
    };
    const quiet = <T>(f: () => T): T => {
        const w = process.stderr.write;
        process.stderr.write = (() => true) as any;
        try { return f(); } finally { process.stderr.write = w; }
    };

    it("after a successful up, runs npm run verify for the stack and returns its result", () => {
        const ok = stub([0, 0]);
        assert.strictEqual(main(["up", "staging"], {}, ok.spawn), 0);
        assert.match(ok.calls[0], /^pulumi up --stack staging --policy-pack policy/);
        assert.strictEqual(ok.calls[1], "npm run --silent verify -- staging");
        const rolledBack = stub([0, 1]);
        assert.strictEqual(quiet(() => main(["up", "staging"], {}, rolledBack.spawn)), 1, "a release ECS rolled back fails `npm run up`");
    });

    it("does not verify after a failed up or a preview", () => {
        const failed = stub([255]);
        assert.strictEqual(main(["up", "staging"], {}, failed.spawn), 255);
        assert.strictEqual(failed.calls.length, 1);
        const preview = stub([0]);
        assert.strictEqual(main(["preview", "staging"], {}, preview.spawn), 0);
        assert.strictEqual(preview.calls.length, 1);
    });
});
