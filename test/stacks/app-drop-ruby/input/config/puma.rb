# frozen_string_literal: true

require_relative 'dotenv'

port ENV.fetch('PORT', 3000)
