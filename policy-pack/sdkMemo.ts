/**
 * The policy SDK (@pulumi/policy 1.21, server.js) serves AnalyzeStack by deserialising every
 * resource's properties, and its provider's, once per stack policy: with our 20 stack policies, a
 * 6,000-resource stack is deserialised 20 times over, the largest fixed cost of a big preview.
 * Deserialising is a pure function of the request's protobuf Struct (the SDK's own
 * `deserializeProperties(struct, false)`), and the request hands the same Struct object to every
 * policy, so this module answers each Struct once: the same properties, the same verdicts.
 *
 * Installed before the pack is served (index.ts). test/policies/sdkMemo.test.ts pins what it relies
 * on: the SDK calls the function through this module export on the AnalyzeStack path, each Struct
 * object is the same across policies, and the memoised answer equals the SDK's.
 */
type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

/**
 * The SDK's module object itself, as server.js reaches it (`deserialize_1.deserializeProperties(...)`):
 * required, not imported, because an ES namespace import would be a read-only copy.
 */
const sdkModule = require("@pulumi/policy/deserialize") as { deserializeProperties: Deserialize & { slipwayMemo?: true } };

/** Route the SDK's deserialisation through a per-Struct memo; idempotent. Returns the SDK's own function. */
export function memoizeDeserialization(): Deserialize {
  const current = sdkModule.deserializeProperties;
  if (current.slipwayMemo) return (current as unknown as { original: Deserialize }).original;
  const original: Deserialize = current;
  // Weak: a Struct lives as long as its request, and so does its answer.
  const answers = new WeakMap<object, Record<string, unknown>>();
  const memoized = Object.assign(
    (struct: object, proxySecrets: boolean): Record<string, unknown> => {
      // With proxySecrets the SDK wraps the answer in a proxy (remediations): never shared.
      if (proxySecrets || struct === null || typeof struct !== "object") return original(struct, proxySecrets);
      let answer = answers.get(struct);
      if (answer === undefined) {
        answer = original(struct, false);
        answers.set(struct, answer);
      }
      return answer;
    },
    { slipwayMemo: true as const, original },
  );
  sdkModule.deserializeProperties = memoized;
  return original;
}
