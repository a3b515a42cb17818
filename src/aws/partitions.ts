/**
 * AWS partitions as seen by a SAML IdP: where assertions are posted (ACS / Recipient), which audience
 * (SP entityID) AWS expects, and the ARN prefix. Facts from /work/shared/AWS-SAML.md.
 */

/** The three AWS partitions Gatehouse federates into. */
export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

/** All partitions, in a stable order. */
export const partitions: readonly Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];

interface PartitionInfo {
  readonly globalAcs: string;
  readonly audience: string;
  /** Matches a valid region name for the regional ACS host, or null when the partition has none. */
  readonly regionalAcs: RegExp | null;
}

const info: Readonly<Record<Partition, PartitionInfo>> = {
  aws: {
    globalAcs: 'https://signin.aws.amazon.com/saml',
    audience: 'urn:amazon:webservices',
    regionalAcs: /^https:\/\/([a-z]{2}(?:-[a-z]+)+-\d)\.signin\.aws\.amazon\.com\/saml$/,
  },
  'aws-us-gov': {
    globalAcs: 'https://signin.amazonaws-us-gov.com/saml',
    audience: 'urn:amazon:webservices:govcloud',
    regionalAcs: null,
  },
  'aws-cn': {
    globalAcs: 'https://signin.amazonaws.cn/saml',
    // Used by community tools; AWS does not document it (AWS-SAML.md: "unconfirmed").
    audience: 'urn:amazon:webservices:cn-north-1',
    regionalAcs: null,
  },
};

const regionPattern = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** True for a syntactically valid AWS region name such as `eu-west-1` or `us-gov-west-1`. */
export function isValidRegion(region: string): boolean {
  return regionPattern.test(region);
}

/**
 * The ACS URL (SAML Recipient and Destination) for a partition. With `region`, the regional sign-in
 * endpoint of the commercial partition (`https://<region>.signin.aws.amazon.com/saml`); other partitions
 * have a single endpoint and throw when given a region.
 */
export function acsUrlFor(partition: Partition, region?: string): string {
  if (region === undefined) return info[partition].globalAcs;
  if (partition !== 'aws') throw new RangeError(`partition ${partition} has no regional sign-in endpoints`);
  if (!isValidRegion(region)) throw new RangeError(`invalid AWS region: ${JSON.stringify(region)}`);
  return `https://${region}.signin.aws.amazon.com/saml`;
}

/** The SAML audience (AWS's SP entityID) for a partition. */
export function audienceFor(partition: Partition): string {
  return info[partition].audience;
}

/**
 * The partition whose ACS is exactly `url` (global or regional), or undefined. Exact string match:
 * no trailing slash, no case folding, no query string.
 */
export function partitionOfAcsUrl(url: string): Partition | undefined {
  for (const p of partitions) {
    const i = info[p];
    if (url === i.globalAcs || (i.regionalAcs !== null && i.regionalAcs.test(url))) return p;
  }
  return undefined;
}

/** The partition whose audience is exactly `audience`, or undefined. */
export function partitionOfAudience(audience: string): Partition | undefined {
  return partitions.find((p) => info[p].audience === audience);
}

/**
 * Where one assertion for roles in `accounts` goes: their partition (the first account's; a caller sends roles
 * of one partition only) and its ACS URL, the regional endpoint only when every account names the same region.
 */
export function acsForAccounts(accounts: readonly { partition: Partition; region: string | null }[]): { partition: Partition; acsUrl: string } {
  const partition = accounts[0]?.partition;
  if (partition === undefined) throw new RangeError('no account to send an assertion for');
  const regions = new Set(accounts.map((a) => a.region ?? ''));
  const region = regions.size === 1 ? [...regions][0] : '';
  return { partition, acsUrl: acsUrlFor(partition, region || undefined) };
}
