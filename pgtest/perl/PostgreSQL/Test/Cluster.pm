# walarchive's overlay of PostgreSQL's PostgreSQL::Test::Cluster (docs/postgresql-tests.md).
#
# pgtest/run puts this directory first on the test's @INC. This file loads PostgreSQL's own
# Cluster.pm (the next one on @INC, from postgresql-client-15) unchanged, then replaces two of its
# methods so that every node archives and restores through walarchive instead of cp, and wraps
# start (a node that restores waits for its archive to exist; see the comment at sub start) and
# clean_node (every node is stopped before any base directory, with its archive, is removed):
#
#   enable_archiving   archive_command = '<walarchive> wal-push --url file:<archive_dir> ... "%p"'
#   enable_restoring   restore_command = '<walarchive> wal-fetch --url file:<root archive_dir> ... "%f" "%p"'
#
# and adds three methods for the few tests that read or write the archive folder themselves
# (pgtest/recovery-tests.patch uses them):
#
#   $node->walarchive_push_command    the archive_command string (for tests that build their own)
#   $node->archive_wal_file($path)    wal-push one file into this node's archive
#   $node->wait_for_archived($name)   poll until wal-fetch finds $name in this node's archive
#
# Environment (set by pgtest/run):
#   WALARCHIVE_TAP_CLI       the walarchive launcher (walarchive-examples/target/walarchive/bin/walarchive)
#   WALARCHIVE_TAP_KEY_FILE  base64 256-bit key: archives are encrypted (AES-256-GCM) with key id k1
#   WALARCHIVE_TAP_ENCRYPTION=off  instead of a key file: plaintext archives (zstd only)
#   WALARCHIVE_TAP_SPOOL_DIR  if set, every command gets --spool-dir: async mode (push-ahead, prefetch)
package PostgreSQL::Test::Cluster;

use strict;
use warnings;

use File::Spec;
use File::Temp ();
use Time::HiRes qw(usleep);

BEGIN
{
	# Find PostgreSQL's own Cluster.pm: the first one on @INC that is not this file.
	my $self_path = File::Spec->rel2abs(__FILE__);
	my $real;
	foreach my $dir (@INC)
	{
		next if ref $dir;
		my $candidate = File::Spec->rel2abs("$dir/PostgreSQL/Test/Cluster.pm");
		next if $candidate eq $self_path || !-f $candidate;
		$real = $candidate;
		last;
	}
	die "walarchive overlay: PostgreSQL's PostgreSQL/Test/Cluster.pm is not on \@INC"
	  . " (install postgresql-client-15; pgtest/run adds its lib/pgxs/src/test/perl)\n"
	  unless defined $real;
	require $real;
}

my $cli = $ENV{WALARCHIVE_TAP_CLI};
die "walarchive overlay: WALARCHIVE_TAP_CLI must name the walarchive launcher (run the tests with pgtest/run)\n"
  unless defined $cli && -f $cli;

my @crypto_flags;
if (defined $ENV{WALARCHIVE_TAP_KEY_FILE} && $ENV{WALARCHIVE_TAP_KEY_FILE} ne '')
{
	die "walarchive overlay: key file $ENV{WALARCHIVE_TAP_KEY_FILE} is not readable\n"
	  unless -r $ENV{WALARCHIVE_TAP_KEY_FILE};
	@crypto_flags = ('--key-file', $ENV{WALARCHIVE_TAP_KEY_FILE}, '--key-id', 'k1');
}
elsif (($ENV{WALARCHIVE_TAP_ENCRYPTION} // '') ne 'off')
{
	die "walarchive overlay: set WALARCHIVE_TAP_KEY_FILE (encrypted archives)"
	  . " or WALARCHIVE_TAP_ENCRYPTION=off (run the tests with pgtest/run)\n";
}

# walarchive's own arguments for the archive in $dir, as a list.
sub _walarchive_args
{
	my ($command, $dir) = @_;
	# WALARCHIVE_TAP_SPOOL_DIR: async mode (push-ahead and prefetch through a spool worker)
	my @spool_flags =
	  (defined $ENV{WALARCHIVE_TAP_SPOOL_DIR} && $ENV{WALARCHIVE_TAP_SPOOL_DIR} ne '')
	  ? ('--spool-dir', $ENV{WALARCHIVE_TAP_SPOOL_DIR})
	  : ();
	return ('sh', $cli, $command, '--url', "file:$dir", '--compression', 'zstd',
		@crypto_flags, @spool_flags);
}

# The same as one shell word string for postgresql.conf (inside '...': no single quotes).
sub _walarchive_shell
{
	my ($command, $dir, @rest) = @_;
	my @words = (_walarchive_args($command, $dir), @rest);
	foreach (@words)
	{
		die "walarchive overlay: cannot quote $_ for postgresql.conf\n" if /['"\\\$`]/ && !/^%[pf]$/;
	}
	return join(' ', map { qq{"$_"} } @words);
}

no warnings 'redefine';

sub walarchive_push_command
{
	my ($self) = @_;
	return _walarchive_shell('wal-push', $self->archive_dir, '%p');
}

sub enable_archiving
{
	my ($self) = @_;
	my $name = $self->name;
	print "### Enabling WAL archiving through walarchive for node \"$name\"\n";
	my $command = $self->walarchive_push_command;
	print "### archive_command = '$command'\n";
	$self->append_conf(
		'postgresql.conf', qq(
archive_mode = on
archive_command = '$command'
));
	return;
}

sub enable_restoring
{
	my ($self, $root_node, $standby) = @_;
	my $name = $self->name;
	print "### Enabling WAL restore through walarchive for node \"$name\"\n";
	# remembered for start(): a node does not start restoring before its archive exists
	$self->{_walarchive_restore_root} = $root_node;
	my $command =
	  _walarchive_shell('wal-fetch', $root_node->archive_dir, '%f', '%p');
	print "### restore_command = '$command'\n";
	$self->append_conf(
		$self->_recovery_file, qq(
restore_command = '$command'
));
	if ($standby)
	{
		$self->set_standby_mode();
	}
	else
	{
		$self->set_recovery_mode();
	}
	return;
}

# PostgreSQL's tests treat an empty archive directory as "nothing archived yet", so they start a
# standby right after pg_basebackup, while the primary's first archive_command may still be
# running. walarchive refuses a location without an archive manifest (a typo or an empty
# directory is an error, not "not found": exit 126, and the startup process stops with FATAL), and
# the first push creates that manifest. So before starting a node that restores, wait while the
# node it restores from is running and its archive has no manifest yet. If the archive never
# appears, the node starts anyway and fails as it would without the overlay.
sub _has_manifest
{
	my ($dir) = @_;
	my @revisions = glob("$dir/walarchive.manifest*");
	return scalar(@revisions) > 0;
}

# Replaced at run time (not with "sub start", which would replace it before the original could be
# saved): PostgreSQL's start, called after the wait.
my $real_start = \&PostgreSQL::Test::Cluster::start;
*PostgreSQL::Test::Cluster::start = sub {
	my ($self, %params) = @_;
	my $root = $self->{_walarchive_restore_root};
	if (defined $root && defined $root->{_pid})
	{
		my $dir = $root->archive_dir;
		my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
		if (!_has_manifest($dir))
		{
			print "### walarchive: waiting for the first push into $dir to create the archive\n";
			usleep(100_000) while !_has_manifest($dir) && time() < $deadline;
		}
	}
	return $real_start->($self, %params);
};

# PostgreSQL's END block tears the nodes down one at a time and removes each node's base directory
# right after stopping it, while later nodes still run. A node's archive lives in its base
# directory, so a standby restoring from the first node's archive would then ask walarchive for a
# location that is gone: exit 126, FATAL, and the standby's own stop fails ("pg_ctl stop failed",
# a bail-out). With cp the missing directory is just "not found". So before any base directory is
# removed, stop every node this test made (what END is about to do anyway).
my @walarchive_nodes;
my $real_new = \&PostgreSQL::Test::Cluster::new;
*PostgreSQL::Test::Cluster::new = sub {
	my $node = $real_new->(@_);
	push @walarchive_nodes, $node;
	return $node;
};
my $real_clean_node = \&PostgreSQL::Test::Cluster::clean_node;
*PostgreSQL::Test::Cluster::clean_node = sub {
	my ($self, @args) = @_;
	foreach my $node (@walarchive_nodes)
	{
		$node->teardown_node if defined $node->{_pid};
	}
	return $real_clean_node->($self, @args);
};

use warnings 'redefine';

sub archive_wal_file
{
	my ($self, $path) = @_;
	my @command = _walarchive_args('wal-push', $self->archive_dir);
	push @command, $path;
	system(@command) == 0
	  or die "walarchive wal-push $path into " . $self->archive_dir . " failed: exit " . ($? >> 8) . "\n";
	return;
}

sub wait_for_archived
{
	my ($self, $file_name) = @_;
	my $tmp = File::Temp->newdir(DIR => $PostgreSQL::Test::Utils::tmp_check);
	my $dest = "$tmp/$file_name";
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (time() < $deadline)
	{
		my $rc = system(_walarchive_args('wal-fetch', $self->archive_dir), $file_name, $dest) >> 8;
		return 1 if $rc == 0;
		die "walarchive wal-fetch $file_name from " . $self->archive_dir . " failed: exit $rc\n"
		  if $rc != 1;
		usleep(100_000);
	}
	return 0;
}

1;
