export { ProjectRuleGroups as default } from './RuleGroups';
