/**
 * Which STS a role's credentials come from: the region (from --region, the profile, AWS_REGION /
 * AWS_DEFAULT_REGION, else the partition's home region) and an explicit endpoint from
 * AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL. Without an explicit endpoint the AWS SDK picks the regional
 * one for the region, in the right partition (sts.<region>.amazonaws.com, …amazonaws.com.cn for China).
 * Pure; no I/O.
 */
import { GatehouseError } from '../../errors.js';
import { isValidRegion, type Partition } from '../../aws/partitions.js';

/** Where a partition's STS lives when nothing names a region. */
export const homeRegion: Readonly<Record<Partition, string>> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' };

/** The partition a region belongs to. */
export function partitionOfRegion(region: string): Partition {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** The STS to call: a region, and an endpoint URL when the environment names one. */
export interface StsTarget {
  region: string;
  endpoint: string | undefined;
}

/**
 * The STS target for a role in `partition`. `region` is the first of --region, the profile's region and
 * AWS_REGION / AWS_DEFAULT_REGION that is set; a region of another partition than the role's is ignored
 * when it did not come from --region, and an error when it did.
 */
export function stsTargetFor(partition: Partition, o: { flagRegion?: string | undefined; profileRegion?: string | undefined; env?: NodeJS.ProcessEnv }): StsTarget {
  const env = o.env ?? process.env;
  if (o.flagRegion !== undefined) {
    if (!isValidRegion(o.flagRegion)) throw new GatehouseError('validation_failed', `--region ${o.flagRegion} is not an AWS region (example: eu-west-1)`);
    if (partitionOfRegion(o.flagRegion) !== partition) {
      throw new GatehouseError('validation_failed', `--region ${o.flagRegion} is not in the role's partition ${partition}: use a region such as ${homeRegion[partition]}`);
    }
  }
  const candidates = [o.flagRegion, o.profileRegion, env.AWS_REGION, env.AWS_DEFAULT_REGION];
  const region = candidates.find((r): r is string => !!r && isValidRegion(r) && partitionOfRegion(r) === partition) ?? homeRegion[partition];
  const endpoint = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined;
  return { region, endpoint };
}
