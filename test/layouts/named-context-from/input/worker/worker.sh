#!/bin/sh
while true; do date; sleep 60; done
