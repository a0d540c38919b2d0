// IAM document helpers: wildcard matching, "matches everything" patterns and
// principal-restricting conditions (the corpus covers them through the policies).
import * as assert from "assert";
import {
  conditionRestrictsPrincipal,
  globMatch,
  matchesEveryAction,
  matchesEveryResource,
  matchesEveryS3Action,
  parseOperator,
} from "../../policy/lib/iamdoc";

describe("policy lib: IAM documents", () => {
  it("globMatch: * spans colons and slashes, ? is one character, case only when asked", () => {
    assert.ok(globMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b.txt"));
    assert.ok(!globMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
    assert.ok(globMatch("arn:*", "arn:aws:iam::1:role/x"));
    assert.ok(globMatch("s3:Get?bject", "s3:GetObject"));
    assert.ok(!globMatch("S3:*", "s3:GetObject"));
    assert.ok(globMatch("S3:*", "s3:GetObject", true));
    assert.ok(globMatch("a.b", "a.b") && !globMatch("a.b", "axb"), "regex metacharacters are literal");
  });

  it("globMatch is linear-ish on adversarial patterns (no catastrophic backtracking)", () => {
    const pattern = "*a".repeat(5000) + "b";
    const start = process.hrtime.bigint();
    assert.strictEqual(globMatch(pattern, "a".repeat(60)), false);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500);
  });

  it("patterns that match every resource, action or S3 action", () => {
    for (const p of ["*", "arn*", "arn:*", "arn:aws:*", "arn:aws:*:*:*:*", "arn:*:*:*:*:*", "arn:aws-cn:*", "*:*"]) {
      assert.ok(matchesEveryResource(p), p);
    }
    for (const p of ["arn:aws:s3:::*", "arn:aws:*:*:123456789012:*", "arn:aws:*:*:*:*/*", "arn:aws:iam::*"]) {
      assert.ok(!matchesEveryResource(p), p);
    }
    assert.ok(matchesEveryAction("*") && matchesEveryAction("*:*") && !matchesEveryAction("s3:*") && !matchesEveryAction("iam:*"));
    assert.ok(
      matchesEveryS3Action("s3:*") && matchesEveryS3Action("*") && matchesEveryS3Action("S3:*") && !matchesEveryS3Action("s3:Get*"),
    );
  });

  it("operators: qualifiers and IfExists are parsed off", () => {
    assert.deepStrictEqual(parseOperator("ForAnyValue:StringLikeIfExists"), {
      qualifier: "ForAnyValue",
      base: "stringlike",
      ifExists: true,
    });
    assert.deepStrictEqual(parseOperator("ArnNotEquals"), { qualifier: undefined, base: "arnnotequals", ifExists: false });
  });

  it("conditions: positive operators on restricting keys with literal values restrict; the rest does not", () => {
    const yes = (c: any) => assert.ok(conditionRestrictsPrincipal(c).restricted, JSON.stringify(c));
    const no = (c: any) => assert.ok(!conditionRestrictsPrincipal(c).restricted, JSON.stringify(c));
    yes({ StringEquals: { "aws:SourceVpce": "vpce-1a2b" } });
    yes({ StringLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/*" } });
    yes({ IpAddress: { "aws:SourceIp": "203.0.113.0/24" } });
    no({ StringNotEquals: { "aws:SourceVpce": "vpce-1a2b" } });
    no({ StringEqualsIfExists: { "aws:PrincipalOrgID": "o-abcd1234" } });
    no({ "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-abcd1234" } });
    no({ StringLike: { "aws:PrincipalAccount": "*" } });
    no({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } });
    no({ StringEquals: { "aws:SourceIp": "203.0.113.0/24" } });
    no({ StringEquals: { "aws:SourceVpce": ["vpce-1a2b", "vpce-*"] } });
    assert.ok(conditionRestrictsPrincipal({ StringEquals: { "aws:SourceVpce": "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } }).unknown);
  });
});
