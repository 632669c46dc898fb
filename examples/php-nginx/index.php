<?php
echo "hello from php-fpm ", PHP_VERSION, " (pid ", getmypid(), ")\n";
