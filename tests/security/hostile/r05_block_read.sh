# R05: block reading: stdin is a file here (it ends), so read a FIFO
# nobody writes.
read -r line
echo "stdin ended: yes"
mkfifo /tmp/never
echo "blocking: yes"
read -r line </tmp/never
echo "unblocked: yes"
