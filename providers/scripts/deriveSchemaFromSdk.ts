/**
 * Derives a Pulumi package schema from an installed, generated Node.js SDK.
 *
 * For providers whose own `schema.json` is not reachable here (@pulumiverse/vercel,
 * @pulumi/random), the generated SDK is the next best source: Pulumi's Node.js code generator
 * writes every schema fact the stand-ins need into the SDK, and this script reads them back.
 *
 * | schema fact                      | where the SDK carries it                                        |
 * | -------------------------------- | --------------------------------------------------------------- |
 * | resource type token              | `__pulumiType = '<token>'` in the resource's `.js`              |
 * | inputProperties                  | the `<Resource>Args` interface of the `.d.ts`                   |
 * | properties (outputs), `required` | the class's `readonly x: pulumi.Output<T>` (required unless `T \| undefined`) |
 * | requiredInputs                   | `throw new Error("Missing required property 'x'")` in the `.js` |
 * | secret inputs                    | `pulumi.secret(args.x)` in the `.js`                            |
 * | secret outputs                   | `additionalSecretOutputs: [...]` in the `.js`                   |
 * | willReplaceOnChanges             | `replaceOnChanges: [...]` in the `.js`                          |
 * | object types                     | interfaces of `types/input.d.ts` and `types/output.d.ts`        |
 * | functions                        | `pulumi.runtime.invoke("<token>", ...)` + `Get<X>Args`/`Get<X>Result` |
 * | provider config                  | `ProviderArgs` in `provider.d.ts`, `config/vars.d.ts`           |
 * | descriptions, deprecations       | the JSDoc of each declaration                                   |
 *
 * What the SDK cannot tell: `integer` versus `number` (both are TypeScript `number`; the derived
 * schema says `number`), secret-ness of properties nested in object types, defaults, and enum
 * constraints the provider enforces (see `providers/schemas/validators.json` for those).
 *
 * Usage (from the repository root):
 *
 *   node --require tsx/cjs providers/scripts/deriveSchemaFromSdk.ts @pulumiverse/vercel
 *   node --require tsx/cjs providers/scripts/deriveSchemaFromSdk.ts @pulumi/random --all-inputs-replace
 *
 * `--all-inputs-replace` marks every resource input `willReplaceOnChanges` (terraform-provider-random
 * declares every attribute RequiresReplace, which the SDK does not show). `--out PATH` overrides the
 * output file (default: providers/schemas/<name>-<version>.derived.json).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { type FunctionSpec, type PackageSchema, type PropertySpec, type ResourceSpec, SCHEMA_DIR, type TypeSpec } from "../schema";

/** Options of a derivation. */
export interface DeriveOptions {
  /** Mark every resource input as replacing the resource when it changes. */
  allInputsReplace?: boolean;
}

/** A property read from a declaration, before it becomes a schema property. */
interface DeclaredProperty {
  /** Its schema shape. */
  spec: PropertySpec;
  /** Whether the declaration marks it optional (`x?:` or `T | undefined`). */
  optional: boolean;
}

/** Declarations of one `.d.ts`, by name. */
interface DeclarationFile {
  /** Interfaces by name. */
  interfaces: Map<string, ts.InterfaceDeclaration>;
  /** Classes by name. */
  classes: Map<string, ts.ClassDeclaration>;
  /** `declare const` variables by name (config/vars.d.ts). */
  variables: Map<string, ts.VariableDeclaration>;
  /** The parsed file. */
  source: ts.SourceFile;
}

/** Parse a `.d.ts` and index its top-level declarations. */
function readDeclarations(file: string): DeclarationFile {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2020, true);
  const result: DeclarationFile = { interfaces: new Map(), classes: new Map(), variables: new Map(), source };
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) result.interfaces.set(statement.name.text, statement);
    else if (ts.isClassDeclaration(statement) && statement.name) result.classes.set(statement.name.text, statement);
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) result.variables.set(declaration.name.text, declaration);
      }
    }
  }
  return result;
}

/** The JSDoc of a declaration: its text, and its `@deprecated` notice if any. */
function jsDocOf(node: ts.Node): { description?: string; deprecationMessage?: string } {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const doc = docs[docs.length - 1];
  if (!doc) return {};
  const text = ts.getTextOfJSDocComment(doc.comment)?.trim();
  const deprecated = doc.tags?.find((tag) => tag.tagName.text === "deprecated");
  return {
    ...(text ? { description: `${text}\n` } : {}),
    ...(deprecated ? { deprecationMessage: (ts.getTextOfJSDocComment(deprecated.comment) ?? "").trim() || "Deprecated." } : {}),
  };
}

/** Turns TypeScript type nodes of a generated SDK into schema property shapes. */
class TypeMapper {
  constructor(
    private readonly pkg: string,
    /** Object type names referenced so far (the types section is built from these). */
    readonly referenced: Set<string> = new Set(),
  ) {}

  /** The schema shape of `node`, and whether `undefined` is part of it. */
  map(node: ts.TypeNode): DeclaredProperty {
    // pulumi.Input<T> / pulumi.Output<T> wrap the real type.
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if ((name === "pulumi.Input" || name === "pulumi.Output") && node.typeArguments?.length === 1) {
        return this.map(node.typeArguments[0]);
      }
    }
    if (ts.isParenthesizedTypeNode(node)) return this.map(node.type);
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.filter((member) => member.kind !== ts.SyntaxKind.UndefinedKeyword);
      const optional = members.length !== node.types.length;
      const shapes = members.map((member) => this.map(member).spec);
      const distinct = shapes.filter((shape, i) => shapes.findIndex((other) => JSON.stringify(other) === JSON.stringify(shape)) === i);
      return { spec: distinct.length === 1 ? distinct[0] : { oneOf: distinct }, optional };
    }
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { spec: { type: "string" }, optional: false };
      case ts.SyntaxKind.NumberKeyword:
        return { spec: { type: "number" }, optional: false };
      case ts.SyntaxKind.BooleanKeyword:
        return { spec: { type: "boolean" }, optional: false };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
        return { spec: { $ref: "pulumi.json#/Any" }, optional: false };
    }
    if (ts.isLiteralTypeNode(node)) {
      // String-literal enums would show up here; none of the supported SDKs has them.
      const literal = node.literal;
      if (ts.isStringLiteral(literal)) return { spec: { type: "string", const: literal.text }, optional: false };
      if (literal.kind === ts.SyntaxKind.TrueKeyword || literal.kind === ts.SyntaxKind.FalseKeyword)
        return { spec: { type: "boolean" }, optional: false };
      if (ts.isNumericLiteral(literal)) return { spec: { type: "number", const: Number(literal.text) }, optional: false };
    }
    if (ts.isArrayTypeNode(node)) return { spec: { type: "array", items: this.map(node.elementType).spec }, optional: false };
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index && node.members.length === 1 && index.type) {
        return { spec: { type: "object", additionalProperties: this.map(index.type).spec }, optional: false };
      }
      throw new Error(`unsupported type literal: ${node.getText()}`);
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === "pulumi.asset.Asset") return { spec: { $ref: "pulumi.json#/Asset" }, optional: false };
      if (name === "pulumi.asset.Archive") return { spec: { $ref: "pulumi.json#/Archive" }, optional: false };
      if (name === "Array" && node.typeArguments?.length === 1)
        return { spec: { type: "array", items: this.map(node.typeArguments[0]).spec }, optional: false };
      if (name === "Record" && node.typeArguments?.length === 2)
        return { spec: { type: "object", additionalProperties: this.map(node.typeArguments[1]).spec }, optional: false };
      const match = /^(?:inputs|outputs)\.(.+)$/.exec(name);
      if (match) {
        // `inputs.Foo` (module `index`) or `inputs.mod.Foo` (module `mod`).
        const parts = match[1].split(".");
        const typeName = parts[parts.length - 1];
        const module = parts.length > 1 ? parts.slice(0, -1).join("/") : "index";
        const token = `${this.pkg}:${module}/${typeName}:${typeName}`;
        this.referenced.add(token);
        return { spec: { $ref: `#/types/${token}` }, optional: false };
      }
    }
    throw new Error(`unsupported type: ${node.getText()}`);
  }

  /** The properties of an interface or class (`readonly x: pulumi.Output<T>`), by name. */
  members(members: ts.NodeArray<ts.TypeElement | ts.ClassElement>): Map<string, DeclaredProperty & { node: ts.Node }> {
    const result = new Map<string, DeclaredProperty & { node: ts.Node }>();
    for (const member of members) {
      if (!(ts.isPropertySignature(member) || ts.isPropertyDeclaration(member)) || !member.type) continue;
      if (ts.isPropertyDeclaration(member) && member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
      const name = member.name.getText().replace(/^["']|["']$/g, "");
      const mapped = this.map(member.type);
      result.set(name, {
        spec: { ...mapped.spec, ...jsDocOf(member) },
        optional: mapped.optional || member.questionToken !== undefined,
        node: member,
      });
    }
    return result;
  }
}

/** Facts the generated `.js` of a resource or function states. */
interface JsFacts {
  /** `__pulumiType` of the class (or the invoke token of a function). */
  token?: string;
  /** Properties the constructor refuses to go without. */
  required: string[];
  /** Inputs wrapped in `pulumi.secret`. */
  secretInputs: string[];
  /** `additionalSecretOutputs`. */
  secretOutputs: string[];
  /** `replaceOnChanges`. */
  replaceOnChanges: string[];
}

/** Read the facts of a generated `.js` file. */
function readJsFacts(file: string): JsFacts {
  const text = fs.readFileSync(file, "utf8");
  const list = (pattern: RegExp): string[] => {
    const match = pattern.exec(text);
    return match ? [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  };
  const token = /__pulumiType = '([^']+)'/.exec(text)?.[1] ?? /pulumi\.runtime\.invoke\("([^"]+)"/.exec(text)?.[1];
  return {
    token,
    required: [...text.matchAll(/Missing required property '([^']+)'/g)].map((m) => m[1]),
    secretInputs: [...text.matchAll(/resourceInputs\["([^"]+)"\] = args\?\.\w+ \? pulumi\.secret\(/g)].map((m) => m[1]),
    secretOutputs: list(/additionalSecretOutputs: \[([^\]]*)\]/),
    replaceOnChanges: list(/replaceOnChanges: \[([^\]]*)\]/),
  };
}

/** Schema properties from declared ones, marking the secret ones. */
function toProperties(declared: Map<string, DeclaredProperty>, secret: string[]): Record<string, PropertySpec> {
  const properties: Record<string, PropertySpec> = {};
  for (const name of [...declared.keys()].sort()) {
    const spec = { ...(declared.get(name) as DeclaredProperty).spec };
    if (secret.includes(name)) spec.secret = true;
    properties[name] = spec;
  }
  return properties;
}

/** Names of the declared properties that are not optional, sorted. */
function requiredOf(declared: Map<string, DeclaredProperty>): string[] {
  return [...declared.entries()]
    .filter(([, p]) => !p.optional)
    .map(([name]) => name)
    .sort();
}

/** Derive the package schema of the SDK installed at `sdkDir`. */
export function deriveSchema(sdkDir: string, options: DeriveOptions = {}): PackageSchema {
  const manifest = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as {
    name: string;
    version: string;
    description?: string;
    homepage?: string;
    repository?: string;
    license?: string;
    keywords?: string[];
    pulumi?: { name?: string; version?: string; server?: string };
  };
  const pkg = manifest.pulumi?.name ?? manifest.name.replace(/^@[^/]+\//, "");
  const mapper = new TypeMapper(pkg);

  const resources: Record<string, ResourceSpec> = {};
  const functions: Record<string, FunctionSpec> = {};
  let provider: ResourceSpec | undefined;

  for (const file of fs
    .readdirSync(sdkDir)
    .filter((f) => f.endsWith(".d.ts"))
    .sort()) {
    const base = file.slice(0, -".d.ts".length);
    const jsFile = path.join(sdkDir, `${base}.js`);
    if (!fs.existsSync(jsFile) || base === "index" || base === "utilities") continue;
    const facts = readJsFacts(jsFile);
    const declarations = readDeclarations(path.join(sdkDir, file));
    const className = base.charAt(0).toUpperCase() + base.slice(1);

    if (base === "provider") {
      const args = declarations.interfaces.get("ProviderArgs");
      const cls = declarations.classes.get("Provider");
      const inputs = args ? mapper.members(args.members) : new Map();
      const outputs = cls ? mapper.members(cls.members) : new Map();
      provider = {
        ...(cls ? jsDocOf(cls) : {}),
        properties: toProperties(outputs, facts.secretOutputs),
        inputProperties: toProperties(inputs, facts.secretInputs),
        ...(facts.required.length ? { requiredInputs: [...facts.required].sort() } : {}),
      };
      continue;
    }

    const cls = declarations.classes.get(className);
    if (cls && facts.token && !facts.token.startsWith("pulumi:")) {
      const args = declarations.interfaces.get(`${className}Args`);
      const inputs = args ? mapper.members(args.members) : new Map<string, DeclaredProperty>();
      const outputs = mapper.members(cls.members);
      const inputProperties = toProperties(inputs, facts.secretInputs);
      for (const [name, spec] of Object.entries(inputProperties)) {
        if (options.allInputsReplace || facts.replaceOnChanges.includes(name)) spec.willReplaceOnChanges = true;
      }
      const required = facts.required.length ? [...facts.required].sort() : requiredOf(inputs);
      resources[facts.token] = {
        ...jsDocOf(cls),
        properties: toProperties(outputs, facts.secretOutputs),
        required: requiredOf(outputs),
        inputProperties,
        ...(required.length ? { requiredInputs: required } : {}),
      };
      continue;
    }

    // A function: `getX.js` invokes `<pkg>:<module>/getX:getX`.
    if (facts.token && /^get[A-Z]/.test(base)) {
      const upper = base.charAt(0).toUpperCase() + base.slice(1);
      const args = declarations.interfaces.get(`${upper}Args`);
      const result = declarations.interfaces.get(`${upper}Result`);
      const inputs = args ? mapper.members(args.members) : new Map<string, DeclaredProperty>();
      const outputs = result ? mapper.members(result.members) : new Map<string, DeclaredProperty>();
      const fnDoc = [...declarations.source.statements].find((s) => ts.isFunctionDeclaration(s) && s.name?.text === base);
      functions[facts.token] = {
        ...(fnDoc ? jsDocOf(fnDoc) : {}),
        inputs: {
          properties: toProperties(inputs, []),
          type: "object",
          ...(requiredOf(inputs).length ? { required: requiredOf(inputs) } : {}),
        },
        outputs: { properties: toProperties(outputs, []), type: "object", required: requiredOf(outputs) },
      };
    }
  }

  // Object types: the union of an interface's input and output variants. `required` is the
  // input variant's (what Check enforces); the output variant's goes to requiredOutputs.
  const typesDir = path.join(sdkDir, "types");
  const inputTypes = fs.existsSync(path.join(typesDir, "input.d.ts")) ? readDeclarations(path.join(typesDir, "input.d.ts")) : undefined;
  const outputTypes = fs.existsSync(path.join(typesDir, "output.d.ts")) ? readDeclarations(path.join(typesDir, "output.d.ts")) : undefined;
  const types: Record<string, TypeSpec> = {};
  const names = new Set<string>([...(inputTypes?.interfaces.keys() ?? []), ...(outputTypes?.interfaces.keys() ?? [])]);
  for (const name of [...names].sort()) {
    const input = inputTypes?.interfaces.get(name);
    const output = outputTypes?.interfaces.get(name);
    const inputMembers = input ? mapper.members(input.members) : undefined;
    const outputMembers = output ? mapper.members(output.members) : undefined;
    const merged = new Map<string, DeclaredProperty>([...(outputMembers ?? []), ...(inputMembers ?? [])]);
    const required = requiredOf(inputMembers ?? outputMembers ?? new Map());
    types[`${pkg}:index/${name}:${name}`] = {
      ...jsDocOf((input ?? output) as ts.Node),
      type: "object",
      properties: toProperties(merged, []),
      ...(required.length ? { required } : {}),
      ...(outputMembers ? { language: { nodejs: { requiredOutputs: requiredOf(outputMembers) } } } : {}),
    };
  }
  for (const token of mapper.referenced) {
    if (!types[token]) throw new Error(`the SDK refers to ${token}, which types/*.d.ts does not declare`);
  }

  // Stack config: config/vars.d.ts declares one constant per provider config key.
  const variables: Record<string, PropertySpec> = {};
  const varsFile = path.join(sdkDir, "config", "vars.d.ts");
  if (fs.existsSync(varsFile)) {
    const vars = readDeclarations(varsFile);
    for (const [name, declaration] of [...vars.variables.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const statement = declaration.parent.parent;
      variables[name] = { ...(declaration.type ? mapper.map(declaration.type).spec : {}), ...jsDocOf(statement) };
      if (provider?.inputProperties?.[name]?.secret) variables[name].secret = true;
    }
  }

  const sortedRecord = <T>(record: Record<string, T>) =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k]]),
    );
  return {
    name: pkg,
    version: manifest.pulumi?.version ?? manifest.version,
    description: manifest.description,
    attribution:
      `Derived from the generated Node.js SDK ${manifest.name}@${manifest.version} by providers/scripts/deriveSchemaFromSdk.ts` +
      (options.allInputsReplace ? " (every resource input marked willReplaceOnChanges)" : "") +
      "; not the provider's own schema.json.",
    ...(manifest.homepage ? { homepage: manifest.homepage } : {}),
    ...(manifest.repository ? { repository: manifest.repository } : {}),
    ...(manifest.license ? { license: manifest.license } : {}),
    ...(manifest.keywords ? { keywords: manifest.keywords } : {}),
    ...(manifest.pulumi?.server ? { pluginDownloadURL: manifest.pulumi.server } : {}),
    config: { variables },
    provider: provider ?? { inputProperties: {}, properties: {} },
    resources: sortedRecord(resources),
    functions: sortedRecord(functions),
    types: sortedRecord(types),
  };
}

function main(argv: string[]): void {
  const sdk = argv.find((arg) => !arg.startsWith("--") && argv[argv.indexOf(arg) - 1] !== "--out");
  if (!sdk) {
    console.error("usage: deriveSchemaFromSdk.ts <npm package> [--all-inputs-replace] [--out PATH]");
    process.exit(2);
  }
  const sdkDir = path.dirname(require.resolve(`${sdk}/package.json`, { paths: [process.cwd()] }));
  const schema = deriveSchema(sdkDir, { allInputsReplace: argv.includes("--all-inputs-replace") });
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? argv[outIndex + 1] : path.join(SCHEMA_DIR, `${schema.name}-${schema.version}.derived.json`);
  fs.writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(
    `${out}: ${Object.keys(schema.resources).length} resources, ${Object.keys(schema.functions ?? {}).length} functions, ` +
      `${Object.keys(schema.types ?? {}).length} types (from ${sdk} at ${sdkDir})`,
  );
}

if (require.main === module) main(process.argv.slice(2));
