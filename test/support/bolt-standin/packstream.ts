/**
 * PackStream v1, the serialisation under Bolt, written from the specification
 * (neo4j.com/docs/bolt/current/packstream/) rather than borrowed from the driver, so a
 * bug on one side cannot hide the same bug on the other. INTEGER decodes to a bigint
 * and FLOAT to a number, so the stand-in keeps the two apart as Neo4j does.
 */
export type PackValue = null | boolean | bigint | number | string | Uint8Array | PackValue[] | PackMap | Struct;
export interface PackMap {
  [key: string]: PackValue;
}

export class Struct {
  constructor(
    readonly signature: number,
    readonly fields: PackValue[],
  ) {}
}

export class PackStreamError extends Error {}

const INT8_MIN = -128n;
const INT16_MIN = -32768n;
const INT32_MIN = -2147483648n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

export class Packer {
  private chunks: Buffer[] = [];

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private raw(...bytes: number[]): void {
    this.chunks.push(Buffer.from(bytes));
  }

  private sized(tiny: number, s8: number, s16: number, s32: number, size: number, tinyLimit = 16): void {
    if (size < tinyLimit) this.raw(tiny | size);
    else if (size <= 0xff && s8 !== 0) this.raw(s8, size);
    else if (size <= 0xffff) this.raw(s16, size >> 8, size & 0xff);
    else {
      const b = Buffer.alloc(5);
      b[0] = s32;
      b.writeUInt32BE(size, 1);
      this.chunks.push(b);
    }
  }

  pack(value: PackValue | undefined): void {
    if (value === null || value === undefined) return this.raw(0xc0);
    if (value === true) return this.raw(0xc3);
    if (value === false) return this.raw(0xc2);
    if (typeof value === 'bigint') return this.int(value);
    if (typeof value === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0xc1;
      b.writeDoubleBE(value, 1);
      this.chunks.push(b);
      return;
    }
    if (typeof value === 'string') {
      const utf8 = Buffer.from(value, 'utf8');
      this.sized(0x80, 0xd0, 0xd1, 0xd2, utf8.length);
      this.chunks.push(utf8);
      return;
    }
    if (value instanceof Uint8Array) {
      this.sized(0, 0xcc, 0xcd, 0xce, value.length, 0);
      this.chunks.push(Buffer.from(value));
      return;
    }
    if (Array.isArray(value)) {
      this.sized(0x90, 0xd4, 0xd5, 0xd6, value.length);
      for (const v of value) this.pack(v);
      return;
    }
    if (value instanceof Struct) {
      if (value.fields.length > 15) throw new PackStreamError('a structure has at most 15 fields');
      this.raw(0xb0 | value.fields.length, value.signature);
      for (const f of value.fields) this.pack(f);
      return;
    }
    const entries = Object.entries(value);
    this.sized(0xa0, 0xd8, 0xd9, 0xda, entries.length);
    for (const [k, v] of entries) {
      this.pack(k);
      this.pack(v);
    }
  }

  private int(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new PackStreamError(`integer ${v} does not fit 64 bits`);
    if (v >= -16n && v <= 127n) return this.raw(Number(BigInt.asUintN(8, v)));
    if (v >= INT8_MIN && v <= 127n) return this.raw(0xc8, Number(BigInt.asUintN(8, v)));
    if (v >= INT16_MIN && v <= 32767n) {
      const b = Buffer.alloc(3);
      b[0] = 0xc9;
      b.writeInt16BE(Number(v), 1);
      return void this.chunks.push(b);
    }
    if (v >= INT32_MIN && v <= 2147483647n) {
      const b = Buffer.alloc(5);
      b[0] = 0xca;
      b.writeInt32BE(Number(v), 1);
      return void this.chunks.push(b);
    }
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeBigInt64BE(v, 1);
    this.chunks.push(b);
  }
}

export function pack(value: PackValue): Buffer {
  const p = new Packer();
  p.pack(value);
  return p.bytes();
}

export class Unpacker {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new PackStreamError(`truncated PackStream value at byte ${this.pos}`);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private take(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private size(bytes: 1 | 2 | 4): number {
    const b = this.take(bytes);
    return bytes === 1 ? b.readUInt8(0) : bytes === 2 ? b.readUInt16BE(0) : b.readUInt32BE(0);
  }

  unpack(): PackValue {
    const m = this.u8();
    if (m <= 0x7f) return BigInt(m);
    if (m >= 0xf0) return BigInt(m - 0x100);
    const hi = m & 0xf0;
    const lo = m & 0x0f;
    if (hi === 0x80) return this.string(lo);
    if (hi === 0x90) return this.list(lo);
    if (hi === 0xa0) return this.map(lo);
    if (hi === 0xb0) return this.struct(lo);
    switch (m) {
      case 0xc0:
        return null;
      case 0xc1:
        return this.take(8).readDoubleBE(0);
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc8:
        return BigInt(this.take(1).readInt8(0));
      case 0xc9:
        return BigInt(this.take(2).readInt16BE(0));
      case 0xca:
        return BigInt(this.take(4).readInt32BE(0));
      case 0xcb:
        return this.take(8).readBigInt64BE(0);
      case 0xcc:
        return new Uint8Array(this.take(this.size(1)));
      case 0xcd:
        return new Uint8Array(this.take(this.size(2)));
      case 0xce:
        return new Uint8Array(this.take(this.size(4)));
      case 0xd0:
        return this.string(this.size(1));
      case 0xd1:
        return this.string(this.size(2));
      case 0xd2:
        return this.string(this.size(4));
      case 0xd4:
        return this.list(this.size(1));
      case 0xd5:
        return this.list(this.size(2));
      case 0xd6:
        return this.list(this.size(4));
      case 0xd8:
        return this.map(this.size(1));
      case 0xd9:
        return this.map(this.size(2));
      case 0xda:
        return this.map(this.size(4));
      default:
        throw new PackStreamError(`unknown PackStream marker 0x${m.toString(16)}`);
    }
  }

  private string(n: number): string {
    return this.take(n).toString('utf8');
  }

  private list(n: number): PackValue[] {
    const out: PackValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.unpack());
    return out;
  }

  private map(n: number): PackMap {
    const out: PackMap = {};
    for (let i = 0; i < n; i++) {
      const k = this.unpack();
      if (typeof k !== 'string') throw new PackStreamError('a map key must be a string');
      out[k] = this.unpack();
    }
    return out;
  }

  private struct(n: number): Struct {
    const signature = this.u8();
    const fields: PackValue[] = [];
    for (let i = 0; i < n; i++) fields.push(this.unpack());
    return new Struct(signature, fields);
  }
}

export function unpack(buf: Buffer): PackValue {
  const u = new Unpacker(buf);
  const v = u.unpack();
  if (!u.done) throw new PackStreamError('bytes left after the value');
  return v;
}
