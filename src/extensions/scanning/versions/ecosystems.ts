import { apkVersion } from './apk-version.js';
import type { VersionComparator } from './comparator.js';
import { dpkgVersion } from './dpkg-version.js';
import { mavenVersion } from './maven-version.js';
import { pep440Version } from './pep440-version.js';
import { rpmVersion } from './rpm-version.js';
import { rubygemsVersion } from './rubygems-version.js';
import { semverVersion } from './semver-version.js';

/**
 * OSV ecosystem names (osv-schema `ecosystems.json`) whose `ECOSYSTEM` ranges Berth can order. The
 * part before the first `:` names the ecosystem; the rest is a release (`Debian:12`,
 * `Ubuntu:Pro:18.04:LTS`, `Alpine:v3.19`, `Red Hat:rhel_aus:8.4::appstream`) or a repository URL
 * (`Maven:https://…`), which does not change the ordering.
 */
const BY_ECOSYSTEM: Record<string, VersionComparator> = {
  Debian: dpkgVersion,
  Ubuntu: dpkgVersion,
  Alpine: apkVersion,
  Wolfi: apkVersion,
  Chainguard: apkVersion,
  'Red Hat': rpmVersion,
  AlmaLinux: rpmVersion,
  'Rocky Linux': rpmVersion,
  SUSE: rpmVersion,
  openSUSE: rpmVersion,
  npm: semverVersion,
  'crates.io': semverVersion,
  Go: semverVersion,
  PyPI: pep440Version,
  Maven: mavenVersion,
  RubyGems: rubygemsVersion,
};

/** The version ordering of an OSV ecosystem string, or undefined for one Berth cannot order. */
export function comparatorFor(ecosystem: string): VersionComparator | undefined {
  const name = ecosystem.split(':', 1)[0] ?? '';
  return Object.hasOwn(BY_ECOSYSTEM, name) ? BY_ECOSYSTEM[name] : undefined;
}
