pipeline {
    agent any
    options {
        retry(3)
        timestamps()
    }
    stages {
        stage('wrapped') {
            options { retry(1) }
            steps {
                timeout(time: 10, unit: 'MINUTES') {
                    timeout(time: 90, unit: 'SECONDS') {
                        sh 'quick'
                    }
                    timeout(20) {
                        sh 'inner timeout is longer, the outer one holds'
                    }
                }
                retry(count: 4) {
                    input 'Go on?'
                    input('And again?')
                }
                dir('src') {
                    dir('app/') {
                        checkout scm
                        sh 'make'
                        echo 'inside'
                    }
                }
                withCredentials([string(credentialsId: 'api-token', variable: 'TOKEN')]) {
                    dir('deploy') {
                        sh 'curl -H "Authorization: Bearer $TOKEN" https://example.com'
                    }
                }
            }
        }
        stage('plain') {
            steps { sh 'true' }
        }
    }
}
