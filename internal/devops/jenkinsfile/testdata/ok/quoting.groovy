// Strings in all four quotings, escapes, and comment markers inside strings.
pipeline {
    agent any
    environment {
        GREETING = 'it\'s "quoted"'
        PATH_LIKE = "C:\\tools\\bin"
        UNICODE = "caf\u00e9 ☕"
        PLAIN = """triple ${GREETING}"""
        LITERAL_DOLLAR = "cost: \$5"
        SINGLE_DOLLAR = 'no ${interpolation} here'
    }
    stages {
        stage('quotes') {
            steps {
                sh 'echo "double inside single"' // a comment
                sh "echo 'single inside double'" /* another */ ; sh 'echo // not a comment'
                sh 'echo /* not a comment */ { } ( ) [ ]'
                sh "echo \$HOME and \${USER} and ${GREETING}"
                sh "echo $PLAIN and ${env.UNICODE}"
                sh '''cat <<'X'
a 'single' and "double" and ''
${NOT_INTERPOLATED} \\ \'
X'''
                sh """
                    echo ${GREETING} \"""
                    echo \$NOT_GROOVY
                """
                sh 'line one \
continued'
                echo 'it\'s a "test"'
                echo "tab\there"
                echo ''
                echo 42
            }
        }
    }
}
