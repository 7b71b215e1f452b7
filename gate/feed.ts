/**
 * A stack's resources as its program registers them, so the gate judges each one while the
 * program still runs, as the engine sends each step to the analyzers as soon as it is generated.
 * The producer (the runner, or the parent reading a child's records) pushes; the gate takes.
 *
 * Back-pressure: while the gate is taking, `push` returns a promise once `highWater` resources
 * wait, which settles when the gate has caught up; the runner holds the registration's answer
 * until then, so a program faster than its pack waits rather than queueing without bound. Before
 * the gate takes (the pack still starting, an earlier stack being judged) and after it stopped
 * (a failure), nothing waits: those resources are kept anyway, for AnalyzeStack.
 *
 * This module stays free of @pulumi/pulumi: `slipway gate` builds feeds before any program loads.
 */
import type { RecordedResource, RecordedStack } from "./model";

/**
 * Resources waiting to be judged before `push` makes the producer wait. Generous: a waiting
 * resource costs only a reference (it is kept for AnalyzeStack anyway), while a program held back
 * whenever the pack is briefly descheduled loses time it never gets back on a busy machine.
 */
export const DEFAULT_HIGH_WATER = 2048;

/** The resources of one stack, arriving while its program runs, then the whole run. */
export class ResourceFeed {
  /** Arrived, not yet taken: `waiting[head..]`. */
  private waiting: RecordedResource[] = [];
  private head = 0;
  private pushed = 0;
  private ended = false;
  private taking = false;
  /** The taker, waiting for the next resource or the end. */
  private wakeTaker: (() => void) | undefined;
  /** Producers waiting for room. */
  private room: { promise: Promise<void>; release: () => void } | undefined;
  private settle!: { resolve: (recorded: RecordedStack) => void; reject: (error: unknown) => void };
  /** The whole run once the program finished (its resources those pushed, in order), or its failure. */
  readonly done: Promise<RecordedStack>;

  constructor(
    /** Stack name, announced to the pack before the first resource. */
    readonly stack: string,
    /** Project name. */
    readonly project: string,
    private readonly highWater = DEFAULT_HIGH_WATER,
    /**
     * Whether the gate may drop a judged resource's inputs and outputs once it has encoded what
     * AnalyzeStack reads of it: true only when the feed's records are the gate's own copies,
     * nothing else reads them.
     */
    readonly releaseJudged = false,
  ) {
    this.done = new Promise<RecordedStack>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined); // whoever judges the feed reports the failure
  }

  /** A feed of a run already recorded (a stack export, a test's stack): everything arrived. */
  static of(recorded: RecordedStack): ResourceFeed {
    const feed = new ResourceFeed(recorded.stack, recorded.project, Number.POSITIVE_INFINITY);
    for (const resource of recorded.resources) void feed.push(resource);
    feed.end(recorded);
    return feed;
  }

  /** Resources pushed so far. */
  get count(): number {
    return this.pushed;
  }

  /** A resource was recorded. A promise returned: wait for it before recording more (back-pressure). */
  push(resource: RecordedResource): Promise<void> | undefined {
    if (this.ended) throw new Error(`stack ${this.stack}: a resource was recorded after the run ended`);
    this.waiting.push(resource);
    this.pushed++;
    this.wake();
    if (!this.taking || this.waiting.length - this.head < this.highWater) return undefined;
    if (this.room === undefined) {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      this.room = { promise, release };
    }
    return this.room.promise;
  }

  /** The program finished; `recorded.resources` must be the resources pushed, in order. */
  end(recorded: RecordedStack): void {
    if (this.ended) return;
    if (recorded.resources.length !== this.pushed) {
      this.fail(new Error(`stack ${this.stack}: the run recorded ${recorded.resources.length} resources but streamed ${this.pushed}`));
      return;
    }
    this.ended = true;
    this.settle.resolve(recorded);
    this.wake();
  }

  /** The program failed: the gate reports `error`, as it would have without streaming. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.settle.reject(error);
    this.wake();
  }

  /**
   * The next resource in registration order, with its index, waiting for it to be recorded;
   * undefined once the run ended (successfully or not: see `done`).
   */
  async next(): Promise<{ resource: RecordedResource; index: number } | undefined> {
    this.taking = true;
    while (this.head >= this.waiting.length) {
      if (this.ended) {
        this.taking = false;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
    const index = this.pushed - (this.waiting.length - this.head);
    const resource = this.waiting[this.head++];
    // Compact now and then, so taken resources are not held here.
    if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    if (this.room !== undefined && this.waiting.length - this.head < this.highWater / 2) this.releaseRoom();
    return { resource, index };
  }

  /** The gate stopped taking (it failed, or it was done): producers no longer wait. */
  stopTaking(): void {
    this.taking = false;
    this.releaseRoom();
  }

  private releaseRoom(): void {
    const room = this.room;
    this.room = undefined;
    room?.release();
  }

  private wake(): void {
    const wake = this.wakeTaker;
    this.wakeTaker = undefined;
    wake?.();
  }
}
