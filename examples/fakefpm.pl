#!/usr/bin/perl
# A php-fpm stand-in: a master binds 127.0.0.1:PORT, forks WORKERS workers that
# inherit the listening socket and answer "pong from pid N", and re-forks dead
# workers. If the master dies, the workers keep the port: without containment every
# restart of the master fails with "Address already in use" (SO_REUSEADDR, as php-fpm,
# only forgives TIME_WAIT, not a live listener). (perl-base only.)
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ":sys_wait_h";

my ($port, $workers) = (@ARGV, 2);
$| = 1;
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                Listen => 16, Proto => 'tcp', ReuseAddr => 1)
    or die "master $$: unable to bind 127.0.0.1:$port: $!\n";
print "master $$ listening on 127.0.0.1:$port\n";

sub worker {
    $SIG{TERM} = sub { exit 0 };
    while (my $c = $srv->accept) {
        print $c "pong from pid $$\n";
        close $c;
    }
    exit 0;
}

my %kids;
sub spawn { my $pid = fork // die "fork: $!"; worker() unless $pid; $kids{$pid} = 1;
            print "master $$ started worker $pid\n"; }
spawn() for 1 .. $workers;
$SIG{TERM} = sub { kill 'TERM', keys %kids; exit 0 };
while (1) {
    my $pid = wait;
    last if $pid < 0;
    delete $kids{$pid};
    spawn();
}
