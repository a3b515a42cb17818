/** One broken AWS rule. `rule` is a stable id such as `tag.key.case_collision`; tests and docs refer to it. */
export interface AwsLintViolation {
  rule: string;
  message: string;
}
