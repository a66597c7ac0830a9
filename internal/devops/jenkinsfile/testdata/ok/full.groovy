#!/usr/bin/env groovy
/* A typical declarative pipeline,
   with every supported construct. */
pipeline {
    agent any
    parameters {
        string(name: 'TARGET', defaultValue: 'staging', description: 'Where to deploy')
        text(name: 'NOTES', defaultValue: 'line one\nline two', description: 'Release notes')
        booleanParam(name: 'DRY_RUN', defaultValue: true, description: 'Only pretend')
        choice(name: 'REGION', choices: ['eu', 'us'], description: 'Region')
        choice(name: 'SIZE', choices: 'small\nlarge', description: 'Size')
    }
    environment {
        APP = 'demo'
        IMAGE = "registry.local/${APP}:${params.TARGET}"
        TOKEN = credentials('registry-token')
    }
    options {
        timeout(time: 2, unit: 'HOURS')
        buildDiscarder(logRotator(numToKeepStr: '10'))
    }
    stages {
        stage('Checkout') {
            steps {
                checkout scm
            }
        }
        stage('Build') {
            options {
                timeout(time: 10, unit: 'MINUTES')
                retry(2)
            }
            environment {
                GOFLAGS = '-mod=readonly'
            }
            steps {
                sh 'go build ./...'
                sh "echo building ${APP} for ${params.TARGET}"
                sh '''
                    set -x
                    go vet ./...
                '''
                sh(script: 'go test ./...')
                sh script: "make image IMAGE=\$IMAGE"
                echo "Built ${APP}, it's done"
                dir('web') {
                    sh 'npm ci'
                    archiveArtifacts 'dist/*.js'
                }
                timeout(time: 5, unit: 'MINUTES') {
                    retry(3) {
                        sh 'make e2e'
                    }
                }
                withCredentials([usernamePassword(credentialsId: 'registry', usernameVariable: 'USER', passwordVariable: 'PASS')]) {
                    sh 'docker login -u "$USER" -p "$PASS"'
                }
                archiveArtifacts artifacts: 'bin/*, reports/*.xml', allowEmptyArchive: true
            }
        }
        stage('Tests') {
            parallel {
                stage('Unit') {
                    steps {
                        sh 'go test -short ./...'
                    }
                }
                stage('Lint') {
                    when { branch 'main' }
                    steps {
                        git url: 'https://git.example.com/demo.git', branch: 'main'
                        sh 'golangci-lint run'
                    }
                }
            }
        }
        stage('Deploy') {
            when {
                branch pattern: 'release-*', comparator: 'GLOB'
                environment name: 'APP', value: 'demo'
                expression { params.REGION == 'eu' }
            }
            input {
                message 'Deploy to production?'
            }
            steps {
                input message: 'Really?'
                sh './deploy.sh'
            }
        }
    }
    post {
        always {
            echo 'done'
        }
    }
}
