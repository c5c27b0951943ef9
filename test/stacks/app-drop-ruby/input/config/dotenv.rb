# frozen_string_literal: true

if Process.uid.zero?
  begin
    FileUtils.chown_R(2000, 2000, ENV.fetch('WORKDIR', '.'))
  rescue StandardError
    puts 'Unable to change the owner of the data directory'
  end
end

if Process.uid.zero?
  Process::Sys.setegid(2000)
  Process::Sys.seteuid(2000)
end
