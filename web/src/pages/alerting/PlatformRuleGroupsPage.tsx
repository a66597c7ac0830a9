export { PlatformRuleGroups as default } from './RuleGroups';
