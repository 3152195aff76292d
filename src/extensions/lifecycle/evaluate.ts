/**
 * Which images a lifecycle policy expires: pure (no I/O, the clock passed in), so the preview and
 * the scheduled run call the very same function and a table test covers every case.
 *
 * ECR's evaluation rules, as its documentation states them, and how they map here:
 * - Rules apply in rulePriority order, lowest first. An image is expired by exactly one or zero
 *   rules: the first rule whose *tag selection* matches an image owns it, and only that rule may
 *   expire it ("an image that matches the tagging requirements of a rule cannot be expired by a
 *   rule with a lower priority").
 * - A rule still *counts* images owned by earlier rules ("rules can … identify them as if they
 *   haven't been expired"): imageCountMoreThan ranks every image its selection matches, newest
 *   push first, and those past countNumber are expired only if the rule owns them.
 * - tagPrefixList / tagPatternList: an image matches when every listed prefix (pattern) matches at
 *   least one of its tags ("only the images with all specified tags are selected").
 * - sinceImagePushed expires images pushed more than countNumber days ago; sinceImagePulled those
 *   last pulled more than countNumber days ago (never pulled: counted from the push).
 *
 * Berth's keep rules act like a rule of priority zero that never expires: an image any keep rule
 * matches is reported as protected instead of expired, and rules still count it. A keep rule's
 * tag lists match when ANY tag matches ANY entry — a keep rule errs on the side of keeping.
 */
import type { KeepRule, LifecyclePolicy, LifecycleRule } from './policy.js';

/** What evaluation needs of an image: a manifest that is not an index child or a referrer. */
export interface LifecycleImage {
  digest: string;
  tags: readonly string[];
  pushedAt: Date;
  /** Last recorded pull; absent when never pulled (since pulls were recorded). */
  lastPulledAt?: Date;
}

/** An image a rule expires. */
export interface ExpiredImage {
  digest: string;
  tags: string[];
  rulePriority: number;
  /** Why, in words: the rule, its selection and the fact that crossed its limit. */
  reason: string;
}

/** An image a rule would expire but a keep rule protects. */
export interface ProtectedImage extends ExpiredImage {
  /** The index of the keep rule in `berth.keep`. */
  keep: number;
  /** Which keep rule, in words. */
  keptBecause: string;
}

/** The outcome of evaluating a policy against a repository's images. */
export interface LifecycleDecision {
  expired: ExpiredImage[];
  protected: ProtectedImage[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

// A semantic-version release (semver.org §2, without pre-release); tags can't hold build
// metadata (`+` is not a tag character).
const SEMVER_RELEASE = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** A tag pattern (`*` matches any run of characters, none included) as an anchored RegExp. */
export function patternRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

type TagTest = (tag: string) => boolean;

function tagTests(prefixes: readonly string[] | undefined, patterns: readonly string[] | undefined): TagTest[] {
  if (prefixes) return prefixes.map((prefix) => (tag: string) => tag.startsWith(prefix));
  return (patterns ?? []).map((pattern) => {
    const regexp = patternRegExp(pattern);
    return (tag: string) => regexp.test(tag);
  });
}

/** Whether the rule's tag selection (its "tagging requirements") matches the image. */
function selector(rule: LifecycleRule): (image: LifecycleImage) => boolean {
  const s = rule.selection;
  if (s.tagStatus === 'any') return () => true;
  if (s.tagStatus === 'untagged') return (image) => image.tags.length === 0;
  const tests = tagTests(s.tagPrefixList, s.tagPatternList);
  return (image) => image.tags.length > 0 && tests.every((test) => image.tags.some(test));
}

function keeper(keep: KeepRule): (image: LifecycleImage, now: number) => boolean {
  if (keep.semver) return (image) => image.tags.some((tag) => SEMVER_RELEASE.test(tag));
  if (keep.pulledWithinDays !== undefined) {
    const window = keep.pulledWithinDays * DAY_MS;
    return (image, now) => image.lastPulledAt !== undefined && now - image.lastPulledAt.getTime() <= window;
  }
  const tests = tagTests(keep.tagPrefixList, keep.tagPatternList);
  return (image) => image.tags.some((tag) => tests.some((test) => test(tag)));
}

function keepText(keep: KeepRule, index: number): string {
  const what = keep.semver
    ? 'a semantic-version release tag'
    : keep.pulledWithinDays !== undefined
      ? `pulled within ${keep.pulledWithinDays} days`
      : keep.tagPrefixList
        ? `a tag starting with ${keep.tagPrefixList.join(' or ')}`
        : `a tag matching ${(keep.tagPatternList ?? []).join(' or ')}`;
  return `berth.keep[${index}]${keep.description ? ` (${keep.description})` : ''}: ${what}`;
}

function selectionText(rule: LifecycleRule): string {
  const s = rule.selection;
  if (s.tagStatus === 'any') return 'images';
  if (s.tagStatus === 'untagged') return 'untagged images';
  if (s.tagPrefixList) return `images tagged with prefix ${s.tagPrefixList.join(' and ')}`;
  return `images tagged ${(s.tagPatternList ?? []).join(' and ')}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function daysAgo(now: number, at: Date): number {
  return Math.floor((now - at.getTime()) / DAY_MS);
}

/** Newest push first; the digest breaks ties so the order never depends on input order. */
function newestFirst(a: LifecycleImage, b: LifecycleImage): number {
  return b.pushedAt.getTime() - a.pushedAt.getTime() || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}

/** The images among `matching` that the rule's count condition picks, each with the reason. */
function candidates(rule: LifecycleRule, matching: LifecycleImage[], now: number): { image: LifecycleImage; reason: string }[] {
  const s = rule.selection;
  const head = `rule ${rule.rulePriority}${rule.description ? ` (${rule.description})` : ''}`;
  if (s.countType === 'imageCountMoreThan') {
    const ranked = [...matching].sort(newestFirst);
    return ranked.slice(s.countNumber).map((image, i) => ({
      image,
      reason: `${head}: more than ${s.countNumber} ${selectionText(rule)}; this is the ${ordinal(s.countNumber + i + 1)} newest of ${ranked.length}`,
    }));
  }
  const limit = now - s.countNumber * DAY_MS;
  if (s.countType === 'sinceImagePushed') {
    return matching
      .filter((image) => image.pushedAt.getTime() < limit)
      .map((image) => ({ image, reason: `${head}: ${selectionText(rule)} pushed more than ${s.countNumber} days ago; this one ${daysAgo(now, image.pushedAt)} days ago` }));
  }
  return matching
    .filter((image) => (image.lastPulledAt ?? image.pushedAt).getTime() < limit)
    .map((image) => ({
      image,
      reason: image.lastPulledAt
        ? `${head}: ${selectionText(rule)} not pulled for more than ${s.countNumber} days; this one last pulled ${daysAgo(now, image.lastPulledAt)} days ago`
        : `${head}: ${selectionText(rule)} not pulled for more than ${s.countNumber} days; this one never pulled, pushed ${daysAgo(now, image.pushedAt)} days ago`,
    }));
}

/** The images of one repository that `policy` expires at `now`, and those keep rules protect. */
export function evaluatePolicy(policy: LifecyclePolicy, images: readonly LifecycleImage[], now: Date): LifecycleDecision {
  const at = now.getTime();
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const selectors = rules.map(selector);
  const owner = new Map<string, number>();
  for (const image of images) {
    const index = selectors.findIndex((matches) => matches(image));
    if (index >= 0) owner.set(image.digest, index);
  }
  const keeps = (policy.berth?.keep ?? []).map(keeper);
  const decision: LifecycleDecision = { expired: [], protected: [] };
  rules.forEach((rule, index) => {
    const matching = images.filter(selectors[index] ?? (() => false));
    const picked = candidates(rule, matching, at)
      .filter(({ image }) => owner.get(image.digest) === index)
      .sort((a, b) => newestFirst(b.image, a.image));
    for (const { image, reason } of picked) {
      const result: ExpiredImage = { digest: image.digest, tags: [...image.tags].sort(), rulePriority: rule.rulePriority, reason };
      const keep = keeps.findIndex((kept) => kept(image, at));
      if (keep < 0) decision.expired.push(result);
      else decision.protected.push({ ...result, keep, keptBecause: keepText(policy.berth?.keep?.[keep] as KeepRule, keep) });
    }
  });
  return decision;
}
