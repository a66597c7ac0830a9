pipeline {
    agent any
    parameters {
        booleanParam(name: 'SLOW', description: 'Run the slow tests')
    }
    stages {
        stage('test') {
            options { timeout(time: 30, unit: 'MINUTES') }
            parallel {
                stage('unit') {
                    steps { sh 'go test -short ./...' }
                }
                stage('slow') {
                    when { expression { params.SLOW == 'true' } }
                    environment { LEVEL = 'all' }
                    options {
                        timeout(time: 20, unit: 'MINUTES')
                        retry(2)
                    }
                    input { message "Run the slow tests?" }
                    steps {
                        sh 'go test -run Slow ./...'
                    }
                }
                stage('lint') {
                    agent { label 'linux' }
                    steps { sh 'golangci-lint run' }
                }
            }
        }
    }
}
