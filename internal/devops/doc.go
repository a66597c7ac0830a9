// Package devops holds the DevOps module's parts: the engines that carry
// out pipeline runs (engine, local, jenkins), the run orchestration
// (runner), the Git server client (gitea), the code-quality reader
// (sonarqube), the Jenkinsfile import (jenkinsfile) and log masking (mask).
package devops
