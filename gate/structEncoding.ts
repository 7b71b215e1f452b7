/**
 * A `google.protobuf.Struct` encoded straight from a marshaled property map, byte for byte what
 * google-protobuf's `Struct.fromJavaScript(value).serializeBinary()` gives (it writes map keys
 * sorted), without building that message tree first. The gate encodes every resource's properties
 * twice, its inputs for Analyze and its outputs for AnalyzeStack, and building the trees was the
 * largest part of the gate's own CPU in a big stack, taken from the program and the pack it runs
 * beside. test/gate/structEncoding.test.ts holds the two encodings equal.
 */
import { Writer } from "protobufjs/minimal";

/** A plain JSON value, what a `google.protobuf.Value` can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Wire types (protobuf encoding). */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

/** A field's tag: its number and wire type. */
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** Struct.fields (map<string, Value>, field 1): each entry a message of key (1) and value (2). */
function writeFields(writer: Writer, fields: { [key: string]: JsonValue }): void {
  for (const key of Object.keys(fields).sort()) {
    writer.uint32(tag(1, LENGTH_DELIMITED)).fork();
    writer.uint32(tag(1, LENGTH_DELIMITED)).string(key);
    writer.uint32(tag(2, LENGTH_DELIMITED)).fork();
    writeValue(writer, fields[key]);
    writer.ldelim();
    writer.ldelim();
  }
}

/** One Value's fields: exactly one of null (1), number (2), string (3), bool (4), struct (5), list (6). */
function writeValue(writer: Writer, value: JsonValue): void {
  if (value === null) writer.uint32(tag(1, VARINT)).int32(0);
  else if (typeof value === "number") writer.uint32(tag(2, FIXED64)).double(value);
  else if (typeof value === "string") writer.uint32(tag(3, LENGTH_DELIMITED)).string(value);
  else if (typeof value === "boolean") writer.uint32(tag(4, VARINT)).bool(value);
  else if (Array.isArray(value)) {
    writer.uint32(tag(6, LENGTH_DELIMITED)).fork();
    // ListValue.values (field 1), each a Value.
    for (const element of value) {
      writer.uint32(tag(1, LENGTH_DELIMITED)).fork();
      writeValue(writer, element);
      writer.ldelim();
    }
    writer.ldelim();
  } else {
    writer.uint32(tag(5, LENGTH_DELIMITED)).fork();
    writeFields(writer, value);
    writer.ldelim();
  }
}

/** The Struct holding `fields`, encoded. */
export function encodeStruct(fields: { [key: string]: JsonValue }): Uint8Array {
  const writer = Writer.create();
  writeFields(writer, fields);
  return writer.finish();
}

/**
 * A message whose fields 1 (a string) and 2 (a message, already encoded) come first, followed by
 * `rest`, its other fields as encoded without those two: the same bytes as encoding it whole,
 * since fields are written in number order.
 */
export function withLeadingFields(first: string, second: Uint8Array, rest: Uint8Array): Buffer {
  const writer = Writer.create();
  if (first !== "") writer.uint32(tag(1, LENGTH_DELIMITED)).string(first);
  writer.uint32(tag(2, LENGTH_DELIMITED)).bytes(second);
  const head = writer.finish();
  return Buffer.concat([head, rest], head.length + rest.length);
}
