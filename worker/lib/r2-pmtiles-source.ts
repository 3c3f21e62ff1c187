/**
 * A `pmtiles` Source reading byte ranges of one R2 object (the pattern of protomaps' serverless Cloudflare
 * example). Each read after the first passes the archive etag as `onlyIf.etagMatches`: if the object was replaced
 * meanwhile, R2 answers without a body and we throw `EtagMismatch`, which makes `PMTiles` drop its cached header
 * and directories and retry once against the new archive instead of mixing offsets from two files.
 */
import { EtagMismatch, type RangeResponse, type Source } from "pmtiles";

/** Thrown when the archive object does not exist at all (not a tile miss). */
export class ArchiveMissing extends Error {}

export class R2PmtilesSource implements Source {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
  ) {}

  getKey(): string {
    return this.key;
  }

  async getBytes(offset: number, length: number, _signal?: AbortSignal, etag?: string): Promise<RangeResponse> {
    const object = await this.bucket.get(this.key, {
      range: { offset, length },
      ...(etag ? { onlyIf: { etagMatches: etag } } : {}),
    });
    if (!object) throw new ArchiveMissing(`map archive ${this.key} is not in R2`);
    if (!("body" in object)) throw new EtagMismatch();
    return { data: await object.arrayBuffer(), etag: object.etag };
  }
}
